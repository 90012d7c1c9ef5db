import * as pulumi from "@pulumi/pulumi";
import { PulumiFn } from "@pulumi/pulumi/automation";
import { DEFAULT_IMAGES, EtcdCluster, HAProxyFrontend, PatroniCluster, PgBouncerPool } from "@pgscale/docker";
import { postgresLayout } from "@pgscale/core";
import { ImageUser } from "./image-user";
import { DATA_PATHS, dataOnTmpfs } from "./fast-profile";
import { LABELS } from "./labels";
import { StartPlan, TEST_HAPROXY_CHECK } from "./options";

/** Construct names; Patroni members are `node-0`, `node-1`, ... (the names isolate() and heal() take). */
export const NAMES = { dcs: "dcs", postgres: "node", haproxy: "lb", pooler: "pool" } as const;

/** Owners of the data tmpfs mounts (profile "fast"); none means data on the constructs' volumes. */
export interface TmpfsUsers {
    etcd: ImageUser;
    postgres: ImageUser;
}

/** Images the program runs: the user's overrides, else the constructs' defaults. */
export function imagesOf(plan: StartPlan): { etcd: string; patroni: string } {
    return { etcd: plan.images.etcd ?? DEFAULT_IMAGES.etcd, patroni: plan.images.patroni ?? DEFAULT_IMAGES[postgresLayout(plan.postgresVersion).image] };
}

/** What the inline program exports, as the Automation API hands it back (secrets decrypted). */
export interface TopologyOutputs {
    primaryUri: string;
    replicaUri?: string;
    syncReplicaUri?: string;
    poolerUri?: string;
    /** Host and port clients reach the primary at, for the superuser URI. */
    primaryEndpoint: string;
    superuserPassword: string;
    restApiUser: string;
    restApiPassword: string;
    /** The CA of the members' HTTPS REST API (PEM). */
    restApiCaPem?: string;
    /** The CA of the members' and the pool's PostgreSQL certificates (PEM) when they require TLS. */
    tlsCaPem?: string;
    network: string;
    members: Array<{ name: string; container: string; restUrl: string }>;
    services: Array<{ name: string; container: string; kind: "etcd" | "haproxy" | "pgbouncer" }>;
}

/**
 * The inline Pulumi program: the @pgscale/docker constructs, exactly as a user's stack would
 * compose them, plus the ownership labels (and tmpfs data for profile "fast").
 */
export function topologyProgram(plan: StartPlan, owner: string, dir: string, tmpfsUsers?: TmpfsUsers, reuseKey?: string): PulumiFn {
    return async () => {
        pulumi.runtime.registerStackTransformation(ownershipLabels(owner, dir, reuseKey));
        const tmpfs = (path: string, user?: ImageUser): pulumi.ComponentResourceOptions => (user ? { transformations: [dataOnTmpfs(path, user)] } : {});
        const dcs = new EtcdCluster(NAMES.dcs, { members: plan.etcdMembers, image: plan.images.etcd }, tmpfs(DATA_PATHS.etcd, tmpfsUsers?.etcd));
        const pg = new PatroniCluster(NAMES.postgres, { dcs, ...plan.patroni }, tmpfs(DATA_PATHS.postgres, tmpfsUsers?.postgres));
        const services: Array<pulumi.Output<TopologyOutputs["services"][number]>> = dcs.containers.map((c, i) =>
            pulumi.output({ name: `${NAMES.dcs}-${i}`, container: c.name, kind: "etcd" as const }));
        const common = {
            superuserPassword: pg.superuserPassword,
            restApiUser: pg.restApiUser,
            restApiPassword: pg.restApiPassword,
            restApiCaPem: pg.restApiCaPem,
            tlsCaPem: pg.tlsCaPem,
            network: pg.network.name,
            members: pg.members.map((m) => ({ name: m.name, container: m.container.name, restUrl: m.restUrl })),
        };
        if (plan.kind === "postgres") {
            // One node needs no router: clients connect to the member's published port.
            const endpoint = pulumi.interpolate`127.0.0.1:${pg.members[0].pgPort}`;
            return {
                ...common,
                primaryUri: pulumi.secret(pulumi.interpolate`postgresql://${pg.owner}:${pg.ownerPassword}@${endpoint}/${pg.database}${pg.tls ? "?sslmode=require" : ""}`),
                primaryEndpoint: endpoint,
                services,
            };
        }
        const lb = new HAProxyFrontend(NAMES.haproxy, { cluster: pg, check: TEST_HAPROXY_CHECK, image: plan.images.haproxy });
        services.push(pulumi.output({ name: NAMES.haproxy, container: lb.container.name, kind: "haproxy" as const }));
        let poolerUri: pulumi.Output<string> | undefined;
        if (plan.pooler) {
            const pool = new PgBouncerPool(NAMES.pooler, { backend: lb, image: plan.images.pgbouncer });
            services.push(pulumi.output({ name: NAMES.pooler, container: pool.container.name, kind: "pgbouncer" as const }));
            poolerUri = pool.uri;
        }
        return {
            ...common,
            primaryUri: lb.primaryUri,
            replicaUri: lb.replicaUri,
            syncReplicaUri: lb.syncReplicaUri,
            poolerUri,
            primaryEndpoint: pulumi.interpolate`127.0.0.1:${lb.primaryPort}`,
            services,
        };
    };
}

const LABELLED = new Set(["docker:index/container:Container", "docker:index/network:Network", "docker:index/volume:Volume"]);

/**
 * Adds the ownership labels to every engine object the constructs create, so `prune` can tell a
 * crashed run's leftovers from a live run's without any state file.
 */
export function ownershipLabels(owner: string, dir: string, reuseKey?: string): pulumi.ResourceTransformation {
    const extra = [{ label: LABELS.owner, value: owner }, { label: LABELS.dir, value: dir }, ...(reuseKey ? [{ label: LABELS.reuse, value: reuseKey }] : [])];
    return ({ type, props, opts }) => {
        if (!LABELLED.has(type)) return undefined;
        const labels = pulumi.output(props.labels ?? []).apply((l: Array<{ label: string; value: string }>) => [...l, ...extra]);
        return { props: { ...props, labels }, opts };
    };
}
