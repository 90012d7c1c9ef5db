import { z } from "zod";
import { IssueCollector, NetworkPolicyArgs, etcdNetworkPolicySpec, networkPolicySpec } from "@pgscale/core";

// Options only Kubernetes has. The shared specs of @pgscale/core stay strict, so a platform
// option given to the wrong construct, or a typo, is still reported by name.

const dns1123Label = z
    .string()
    .regex(/^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/, "must be a DNS-1123 label (lower-case letters, digits, '-'; at most 63 characters)");
const quantity = z.string().regex(/^[0-9]+(\.[0-9]+)?(m|k|Ki|M|Mi|G|Gi|T|Ti|P|Pi|E|Ei)?$/, "must be a Kubernetes quantity such as \"500m\" or \"1Gi\"");
const id = z.number().int().min(0).max(2147483647);

export const resourcesSpec = z.strictObject({
    requests: z.record(z.string(), quantity).optional(),
    limits: z.record(z.string(), quantity).optional(),
});

export const tolerationSpec = z.strictObject({
    key: z.string().optional(),
    operator: z.enum(["Exists", "Equal"]).optional(),
    value: z.string().optional(),
    effect: z.enum(["NoSchedule", "PreferNoSchedule", "NoExecute"]).optional(),
    tolerationSeconds: z.number().int().optional(),
});

const placement = {
    /** Namespace of every object. Default: the upstream construct's, else `<project>-<stack>`. */
    namespace: dns1123Label.optional(),
    /** Create the namespace (when it is not an upstream construct's). Default true. */
    createNamespace: z.boolean().default(true),
    /** DNS suffix of the cluster, for the fully qualified names in URIs and configs. Default cluster.local. */
    clusterDomain: z.string().regex(/^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/, "must be a DNS name").default("cluster.local"),
    resources: resourcesSpec.optional(),
    tolerations: z.array(tolerationSpec).default([]),
    nodeSelector: z.record(z.string(), z.string()).default({}),
    /** Spread pods over nodes: "preferred" (default) schedules anyway when it cannot, "required" leaves pods pending. */
    antiAffinity: z.enum(["preferred", "required"]).default("preferred"),
    imagePullPolicy: z.enum(["Always", "IfNotPresent", "Never"]).default("IfNotPresent"),
    /** Numeric user and groups for images other than the defaults (see IMAGE_USERS). */
    podSecurity: z.strictObject({ runAsUser: id.min(1, "must not be root (0)"), runAsGroup: id, fsGroup: id }).partial().default({}),
    /** Type of the Services clients use. Default ClusterIP (in-cluster only). */
    serviceType: z.enum(["ClusterIP", "NodePort", "LoadBalancer"]).default("ClusterIP"),
};

const storage = z
    .strictObject({
        /** Volume size per member. Default 10Gi (etcd: 1Gi). */
        size: quantity.optional(),
        /** StorageClass; default: the cluster's default class. */
        storageClassName: z.string().min(1).optional(),
    })
    .default({});

/**
 * The pgBackRest repository's claim, with `backup` in a volume (`backup.repository` without `s3`):
 * every member mounts it (the primary archives, a replica backs up), so its class must offer
 * ReadWriteMany.
 */
const backupStorage = z
    .strictObject({
        /** Size of the claim. Default 20Gi: the kept full backups, compressed, and the WAL between them. */
        size: quantity.default("20Gi"),
        /**
         * A StorageClass that offers ReadWriteMany (NFS, CephFS, EFS, Azure Files, Filestore...).
         * Required with a volume repository: a cluster's default class rarely offers it, and a claim
         * it cannot bind leaves every member pending.
         */
        storageClassName: z.string().min(1, "must name a StorageClass"),
    });

export const patroniPlatformSpec = z.strictObject({ ...placement, storage, backupStorage: backupStorage.optional(), networkPolicy: networkPolicySpec });
export const etcdPlatformSpec = z.strictObject({ ...placement, storage, networkPolicy: etcdNetworkPolicySpec });
export const deploymentPlatformSpec = z.strictObject({
    ...placement,
    networkPolicy: networkPolicySpec,
    /** Pods behind the Service. Default 2, so one can be rescheduled while the other serves. */
    replicas: z.number().int().min(1).max(50).default(2),
});

export type PatroniPlatform = z.output<typeof patroniPlatformSpec>;
export type EtcdPlatform = z.output<typeof etcdPlatformSpec>;
export type DeploymentPlatform = z.output<typeof deploymentPlatformSpec>;
export type Placement = Omit<PatroniPlatform, "storage" | "networkPolicy">;

/** The TypeScript face of the platform options (inputs, with defaults optional). */
export type PlacementArgs = z.input<z.ZodObject<typeof placement>>;
export type StorageArgs = z.input<typeof storage>;
export type BackupStorageArgs = z.input<typeof backupStorage>;

export const PLACEMENT_KEYS = Object.keys(placement) as Array<keyof typeof placement>;
/** The option of the constructs that create NetworkPolicies (not Prometheus's nor Alertmanager's). */
export const NETWORK_POLICY_KEY = "networkPolicy";

export interface NetworkPolicyPlatformArgs {
    /**
     * The NetworkPolicies that admit only the connections pgscale's topology needs (ingress only;
     * docs/security.md "Network policies (Kubernetes)"). Default: on, application ports open to every pod of
     * the construct's namespace (`clientsFrom`), metrics ports to Prometheus pods (`metricsFrom`).
     */
    networkPolicy?: NetworkPolicyArgs;
}

/** Splits `args` into the platform options named by `keys` and the rest (the shared spec). */
export function splitArgs<T extends object>(args: T, keys: readonly string[]): [Record<string, unknown>, Record<string, unknown>] {
    const platform: Record<string, unknown> = {};
    const rest: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(args)) (keys.includes(k) ? platform : rest)[k] = v;
    return [platform, rest];
}

/** Options that only mean something on Docker (host ports bind to a host address). */
export function rejectDockerOnly(issues: IssueCollector, args: object, keys: string[]): void {
    for (const k of keys) {
        if (k in args) issues.add(k, "is a Docker host option; on Kubernetes use serviceType (and port-forward or a Service) instead");
    }
}
