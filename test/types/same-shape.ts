// The shared outputs and arguments hold the same declared types on both platforms. `implements`
// in each package checks each side against @pgscale/core's interfaces; this checks the two sides
// against each other, exactly (an Output<string> is not an Output<string | undefined> here).
import type * as docker from "@pgscale/docker";
import type * as k8s from "@pgscale/kubernetes";
import type {
    DeclaredDatabaseOutputs, DeclaredRoleOutputs, EtcdClusterOutputs, HAProxyFrontendOutputs, PatroniClusterOutputs, PatroniMemberOutputs, PgBouncerPoolOutputs,
    PortableEtcdClusterArgs, PortableHAProxyFrontendArgs, PortablePatroniClusterArgs, PortablePgBouncerPoolArgs,
} from "@pgscale/core";

type Equal<A, B> = (<T>() => T extends A ? 1 : 2) extends (<T>() => T extends B ? 1 : 2) ? true : false;

/** The keys of `Shared` that one platform lacks or declares with another type. */
type Differing<Shared, D, K> = {
    [P in keyof Shared]-?: P extends keyof D & keyof K ? (Equal<D[P], K[P]> extends true ? never : P) : P;
}[keyof Shared];

/** Fails to compile naming the differing keys ("Type '"primaryPort"' does not satisfy the constraint 'never'"). */
function same<Keys extends never>(): void {}
/** Fails to compile unless a stack's portable arguments are the platform's arguments too. */
function accepts<PlatformArgs, Portable extends PlatformArgs>(): void {}

// Each construct's cross-references (`cluster`, `members`) are compared by their shared part.
same<Differing<EtcdClusterOutputs, docker.EtcdCluster, k8s.EtcdCluster>>();
same<Differing<Omit<PatroniClusterOutputs, "members" | "roles" | "databases">, docker.PatroniCluster, k8s.PatroniCluster>>();
same<Differing<PatroniMemberOutputs, docker.PatroniMember, k8s.PatroniMember>>();
// A declared role is a Role resource on Docker and the access Job's outputs on Kubernetes: the outputs a stack reads are the same.
same<Differing<DeclaredRoleOutputs, docker.PatroniCluster["roles"][string], k8s.PatroniCluster["roles"][string]>>();
same<Differing<DeclaredDatabaseOutputs, docker.PatroniCluster["databases"][string], k8s.PatroniCluster["databases"][string]>>();
same<Differing<Omit<HAProxyFrontendOutputs, "cluster">, docker.HAProxyFrontend, k8s.HAProxyFrontend>>();
same<Differing<PgBouncerPoolOutputs, docker.PgBouncerPool, k8s.PgBouncerPool>>();

accepts<docker.EtcdClusterArgs, PortableEtcdClusterArgs>();
accepts<k8s.EtcdClusterArgs, PortableEtcdClusterArgs>();
accepts<docker.PatroniClusterArgs, PortablePatroniClusterArgs<docker.EtcdCluster>>();
accepts<k8s.PatroniClusterArgs, PortablePatroniClusterArgs<k8s.EtcdCluster>>();
accepts<docker.HAProxyFrontendArgs, PortableHAProxyFrontendArgs<docker.PatroniCluster>>();
accepts<k8s.HAProxyFrontendArgs, PortableHAProxyFrontendArgs<k8s.PatroniCluster>>();
accepts<docker.PgBouncerPoolArgs, PortablePgBouncerPoolArgs<docker.HAProxyFrontend>>();
accepts<k8s.PgBouncerPoolArgs, PortablePgBouncerPoolArgs<k8s.HAProxyFrontend>>();

// The check itself: a key declared with another type is named, identical ones are not.
type Sample = { port: unknown; uri: unknown };
export const named: Differing<Sample, { port: number; uri: string }, { port: string; uri: string }> = "port";
