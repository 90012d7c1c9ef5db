// pgscale's HA constructs on the local Docker engine.
export * from "./etcd";
export * from "./patroni";
export * from "./haproxy";
export * from "./pgbouncer";
export { DEFAULT_IMAGES, IMAGES_DIR, nodeImage } from "./images";
export { BuiltImage, builtImageHandlers, ensureImage, contextDigest, CONTEXT_LABEL } from "./built-image";
export type { EnsureImageInput, EnsuredImage } from "./built-image";
export * from "./streaming-replica";
// Dynamic providers that act on the stack's containers through the Docker engine.
export * from "./rolling";
export * from "./haproxy-reload";
export * from "./tls-delivery";
export { DockerPreflight, preflightHandlers } from "./engine/preflight";
export { RestoreDrill, restoreDrillHandlers } from "./drill/restore-drill";
export { restoreBootstrapHandlers } from "./restore-bootstrap";
export type { RestoreDrillArgs } from "./drill/restore-drill";
export { dockerEngine, execIn } from "./engine/docker-engine";
export type { DockerPreflightArgs } from "./engine/preflight";
export * from "./prometheus";
export * from "./alertmanager";
export { MONITOR_ROLE } from "./monitoring";
export { EtcdAuth, EtcdScopeUser, etcdAuthHandlers } from "./etcd-auth";
export { MajorUpgrade, MajorUpgradeFinish, majorUpgradeHandlers } from "./major-upgrade";
export { pgscaleProviders } from "./providers";
