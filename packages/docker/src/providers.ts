import type { ProviderRegistry } from "@pgscale/postgres";
import { builtImageProvider } from "./built-image/provider";
import { restoreDrillProvider } from "./drill/restore-drill";
import { dockerPreflightProvider } from "./engine/preflight";
import { etcdAuthProvider, etcdScopeUserProvider } from "./etcd-auth";
import { haproxyConfigReloadProvider } from "./haproxy-reload/config-reload";
import { majorUpgradeFinishProvider, majorUpgradeProvider } from "./major-upgrade";
import { restoreBootstrapWatchProvider, restoreSourceCheckProvider } from "./restore-bootstrap";
import { patroniRolloutGateProvider, patroniRolloutProvider } from "./rolling/rollout";
import { certificateDeliveryProvider } from "./tls-delivery/cert-delivery";

/** What DOCKER_PROVIDER dispatches to, by each resource's type name (package-provider.ts in @pgscale/postgres). */
export const pgscaleProviders: ProviderRegistry = {
    BuiltImage: builtImageProvider,
    CertificateDelivery: certificateDeliveryProvider,
    DockerPreflight: dockerPreflightProvider,
    EtcdAuth: etcdAuthProvider,
    EtcdScopeUser: etcdScopeUserProvider,
    HAProxyConfigReload: haproxyConfigReloadProvider,
    MajorUpgrade: majorUpgradeProvider,
    MajorUpgradeFinish: majorUpgradeFinishProvider,
    PatroniRollout: patroniRolloutProvider,
    PatroniRolloutGate: patroniRolloutGateProvider,
    RestoreBootstrapWatch: restoreBootstrapWatchProvider,
    RestoreDrill: restoreDrillProvider,
    RestoreSourceCheck: restoreSourceCheckProvider,
};
