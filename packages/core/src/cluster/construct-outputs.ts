import type { EtcdClusterInput, HAProxyFrontendInput, HAProxyFrontendSpec, EtcdClusterSpec, PgBouncerPoolInput, PgBouncerPoolSpec, PatroniClusterInput } from "./spec";
import type { ResolvedPatroniCluster } from "./resolve";
import type { HealthCheckTimings } from "./timings";

// The public shape the HA constructs have on every platform: @pgscale/docker and
// @pgscale/kubernetes implement these interfaces, so a stack written against them moves between
// platforms by changing its import. Types only.
//
// @pgscale/core does not depend on Pulumi (not even for types: it would then need @pulumi/pulumi
// resolvable wherever core is type-checked, and one more SDK copy to keep in range). `Eventual<T>`
// is therefore the part of Pulumi's `Output<T>` these shapes rely on; the constructs declare
// `pulumi.Output<T>`, and test/types holds the two platforms to identical declarations.

/**
 * A value known once the deployment has run: what Pulumi's `Output<T>` offers through `apply`.
 * A property, not a method, so that `T` is checked both ways (`Output<number>` is no `Eventual<string>`).
 */
export interface Eventual<T> {
    readonly apply: <U>(func: (value: T) => U) => unknown;
}

/** A resource to depend on (`dependsOn: [handle]`); Pulumi's `Resource` has this shape. */
export interface ResourceHandle {
    readonly urn: Eventual<string>;
}

export interface EtcdClusterOutputs {
    readonly spec: EtcdClusterSpec;
    /** `host:port` client endpoints as Patroni reaches them (`etcd3.hosts`). */
    readonly clientEndpoints: string[];
    /** With `tls` (the default): the CA that signed the members' certificates (PEM; after a rotation, on Docker, the new CA followed by the previous one); else undefined. */
    readonly tlsCaPem: Eventual<string | undefined>;
    /** With `auth` (the default): etcd's `root` password (secret); else undefined. */
    readonly rootPassword: Eventual<string | undefined>;
    /** Done once the members serve and, with `auth`, authentication is on. */
    readonly ready: ResourceHandle[];
}

/** One PostgreSQL member. */
export interface PatroniMemberOutputs {
    /** Patroni member name. */
    readonly name: string;
    /** The member's DNS name where its peers, HAProxy and PgBouncer run. */
    readonly host: string;
    /** Patroni REST API, for `pgscale status` and `doctor`. */
    readonly restUrl: Eventual<string>;
    /** PostgreSQL's port, as `restUrl` reaches the member. */
    readonly pgPort: Eventual<number>;
}

/** A role a cluster declares (`roles`): @pgscale/postgres's Role on Docker, the access Job's outputs on Kubernetes. */
export interface DeclaredRoleOutputs {
    /** The role's name, known once the role exists. */
    readonly name: Eventual<string>;
    /** Secret: the generated password of a login role; empty for a group role. */
    readonly password: Eventual<string>;
    /** Secret: the SCRAM-SHA-256 verifier the server holds (a PgBouncerPool's `users` take it); empty for a group role. */
    readonly scramVerifier: Eventual<string>;
}

/** A database a cluster declares (`databases`). */
export interface DeclaredDatabaseOutputs {
    /** The database's name, known once it exists. */
    readonly name: Eventual<string>;
}

export interface PatroniClusterOutputs {
    /** The validated spec with the derived timings, checks and parameters. */
    readonly resolved: ResolvedPatroniCluster;
    readonly scope: string;
    readonly members: PatroniMemberOutputs[];
    readonly database: string;
    readonly owner: string;
    /** Secrets. */
    readonly ownerPassword: Eventual<string>;
    readonly ownerScramVerifier: Eventual<string>;
    readonly superuserPassword: Eventual<string>;
    readonly restApiUser: string;
    readonly restApiPassword: Eventual<string>;
    /** The CA of the members' certificates (PEM) with `tls.enabled`; undefined without TLS. */
    readonly tlsCaPem: Eventual<string | undefined>;
    /** The CA of the members' REST API certificates (PEM) with `restApi.https` (the default); else undefined. */
    readonly restApiCaPem: Eventual<string | undefined>;
    /**
     * Secrets, as the application owner: a read-write URI that follows the leader and a read-only
     * one over the replicas. Kubernetes: the cluster's Services (in-cluster DNS names). Docker: the
     * cluster's router, an HAProxyFrontend with default options on loopback ports.
     */
    readonly primaryUri: Eventual<string>;
    readonly replicaUri: Eventual<string>;
    /** Done once a leader runs, every replica streams and the DCS holds the stack's settings. */
    readonly ready: ResourceHandle;
    /** The declared `roles`, by name. */
    readonly roles: Record<string, DeclaredRoleOutputs>;
    /** The declared `databases`, by name. */
    readonly databases: Record<string, DeclaredDatabaseOutputs>;
    readonly worstCaseFailoverSeconds: number;
    readonly worstCasePlannedSeconds: number;
    readonly worstCaseDataLossBytes: number;
}

export interface HAProxyFrontendOutputs<Cluster extends PatroniClusterOutputs = PatroniClusterOutputs> {
    readonly spec: HAProxyFrontendSpec;
    readonly check: HealthCheckTimings;
    readonly cluster: Cluster;
    /** DNS name of the frontend where PgBouncer runs. */
    readonly host: string;
    readonly primaryPort: Eventual<number>;
    readonly replicaPort: Eventual<number>;
    /** Only when the cluster runs synchronous mode. */
    readonly syncReplicaPort?: Eventual<number>;
    readonly statsUrl: Eventual<string>;
    /** The stats page's credentials (HTTP Basic): the user, and its generated password (secret). */
    readonly statsUser: string;
    readonly statsPassword: Eventual<string>;
    /** Secrets, as the application owner. */
    readonly primaryUri: Eventual<string>;
    readonly replicaUri: Eventual<string>;
    /** Only when the cluster runs synchronous mode. */
    readonly syncReplicaUri?: Eventual<string>;
}

export interface PgBouncerPoolOutputs {
    readonly spec: PgBouncerPoolSpec;
    readonly port: Eventual<number>;
    /** Secrets: the application's URI and the admin console's (`pgscale_admin`). */
    readonly uri: Eventual<string>;
    readonly adminUri: Eventual<string>;
}

// The arguments every platform accepts. Host bind addresses are Docker's alone; each platform
// adds its own options (networks, namespaces, placement) beside these.
export type PortableEtcdClusterArgs = EtcdClusterInput;
export type PortablePatroniClusterArgs<Dcs> = PatroniClusterInput & { dcs: Dcs };
export type PortableHAProxyFrontendArgs<Cluster> = Omit<HAProxyFrontendInput, "bindAddress"> & { cluster: Cluster };
export type PortablePgBouncerPoolArgs<Backend> = Omit<PgBouncerPoolInput, "bindAddress"> & { backend: Backend };
