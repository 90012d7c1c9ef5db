import * as pulumi from "@pulumi/pulumi";
import * as docker from "@pulumi/docker";
import {
    DATA_MOUNT, NodeTags, PostgresLayout, REST_SCHEME_LABEL, ResolvedPatroniCluster, nodeTagsSpec, patroniEtcdStore, renderPatroniYaml, renderPostBootstrap,
    replicationConnectWatchdogStep,
} from "@pgscale/core";
import type { BackupWiring, RestoreWiring } from "./backup";
import { NO_CAPABILITIES } from "./hardening";
import { replacementFingerprint } from "./fingerprint";
import { pgscaleLabels, publish } from "./naming";

// One PatroniCluster member's container on Docker: its data volume, its patroni.yml and
// post-bootstrap script, and the container's arguments. PatroniCluster (patroni.ts) orders the
// containers (rolling gates, the DCS, the certificate deliveries); this module only builds them.

export const PG_PORT = 5432;
export const API_PORT = 8008;
/**
 * The member's certificate, key (0600, PostgreSQL refuses a key others can read) and CA, written by
 * its CertificateDelivery into the container's own layer, which a restart keeps (a replaced container
 * gets them again from its delivery). Not on the data volume: @pgscale/testing's profile "fast" puts
 * the data on a tmpfs, which a restart empties, and the member would wait for its files until the
 * next `up` (Patroni rebuilds the data from the leader; nothing rebuilds the certificate).
 */
export const TLS_DIR = "/var/run/postgresql/tls";
export const TLS_KEY = `${TLS_DIR}/server.key`;
/** The etcd cluster's CA, to verify the DCS's members. */
export const ETCD_CA = "/etc/patroni/etcd-ca.crt";

export interface MemberWiring {
    /** The PatroniCluster's name (labels) and its engine prefix (container and volume names). */
    name: string;
    prefix: string;
    scope: string;
    spec: ResolvedPatroniCluster["spec"];
    layout: PostgresLayout;
    image: pulumi.Input<string>;
    network: pulumi.Input<string>;
    /** What the data volume waits for (the preflight that refuses existing volumes). */
    preflight: pulumi.Resource;
    passwords: {
        superuser: pulumi.Output<string>; replication: pulumi.Output<string>; rewind: pulumi.Output<string>; restApi: pulumi.Output<string>;
        /** The scope's etcd user's, with a locked etcd. */
        etcd?: pulumi.Output<string>;
    };
    restApiUser: string;
    ownerScramVerifier: pulumi.Output<string>;
    /** The DCS document the cluster was initialised with (Patroni reads bootstrap.dcs only then). */
    bootstrapDcs: pulumi.Output<Record<string, unknown>>;
    etcd: {
        clientEndpoints: string[];
        tls: boolean;
        auth: boolean;
        /** The etcd CA bundle now, and the CA the etcd cluster was created with. */
        caPem: pulumi.Output<string | undefined>;
        caPemAtCreation: pulumi.Output<string | undefined>;
    };
    /** PostgreSQL requires TLS; the REST API serves HTTPS; each member's certificate is delivered into it. */
    postgresTls: boolean;
    https: boolean;
    certificates: boolean;
    backup?: BackupWiring;
    restore?: RestoreWiring;
    healthcheck: { intervalSeconds: number; retries: number };
}

export interface MemberContainer {
    member: string;
    args: docker.ContainerArgs;
    /** replacementFingerprint of `args`: what the rolling plan compares. */
    revision: pulumi.Output<string>;
}

/** The data volume and container arguments of member `i` (named `member`). */
export function memberContainer(w: MemberWiring, member: string, i: number, parent: pulumi.Resource): MemberContainer {
    const { spec, layout, backup, restore, https } = w;
    const tags: NodeTags = spec.nodeTags[i] ?? nodeTagsSpec.parse({});
    const volume = new docker.Volume(`${member}-data`, {
        name: `${w.prefix}-${i}-data`,
        labels: pgscaleLabels(w.name, "postgres-data"),
    }, { parent, dependsOn: [w.preflight] });
    const serverTls = { certFile: `${TLS_DIR}/server.crt`, keyFile: TLS_KEY, caFile: `${TLS_DIR}/ca.crt` };
    const p = w.passwords;
    const patroniYml = pulumi
        .all([p.superuser, p.replication, p.rewind, p.restApi, w.bootstrapDcs, p.etcd])
        .apply(([su, repl, rw, api, dcsAtBootstrap, etcdPw]) =>
            renderPatroniYaml({
                scope: w.scope, name: member, host: member,
                store: patroniEtcdStore(w.etcd.clientEndpoints, { tls: w.etcd.tls, auth: w.etcd.auth }, { scope: w.scope, caFile: ETCD_CA, password: etcdPw }),
                dcs: dcsAtBootstrap,
                superuser: { username: "postgres", password: su },
                replication: { username: "replicator", password: repl },
                rewind: { username: "rewind", password: rw },
                restApi: { username: w.restApiUser, password: api },
                tags, dataDir: layout.dataDir, binDir: layout.binDir,
                postBootstrap: "/etc/patroni/post-bootstrap.sh",
                ...(restore ? { bootstrapMethod: restore.bootstrapMethod } : {}),
                ...(backup ? { replicaMethod: backup.replicaMethod } : {}),
                ...(w.postgresTls ? { tls: serverTls } : {}),
                ...(https ? { restApiTls: serverTls } : {}),
            }),
        );
    const postBootstrap = restore
        ? restore.postBootstrap(w.ownerScramVerifier)
        : w.ownerScramVerifier.apply((v) => renderPostBootstrap(spec.owner, v, spec.database));
    // Steps before Patroni: the TLS files (written by the member's CertificateDelivery once the
    // container exists; still there after a restart), the backup scheduler, and the loop that ends
    // replication workers stuck connecting (replication-connect-watchdog.ts).
    const beforePatroni = [
        ...(w.certificates ? [`until [ -s ${TLS_DIR}/server.crt ]; do sleep 0.2; done`] : []),
        ...(backup ? backup.startScheduler : []),
        replicationConnectWatchdogStep(layout.binDir),
    ];
    const args: docker.ContainerArgs = {
        name: `${w.prefix}-${i}`,
        image: w.image,
        hostname: member,
        user: "postgres",
        capabilities: NO_CAPABILITIES,
        networksAdvanced: [{ name: w.network, aliases: [member] }],
        volumes: [{ volumeName: volume.name, containerPath: DATA_MOUNT }, ...(backup?.mounts ?? []), ...(restore?.mounts ?? [])],
        uploads: [
            { file: "/etc/patroni/patroni.yml", content: pulumi.secret(patroniYml), permissions: "0644" },
            { file: "/etc/patroni/post-bootstrap.sh", content: pulumi.secret(postBootstrap), permissions: "0755" },
            // With certificates, the etcd CA the cluster was created with, so an etcd CA
            // rotation replaces no member: the member's delivery keeps the file equal to
            // etcd's bundle. Without (no delivery), the bundle: a rotation replaces the
            // members one at a time through the rolling gates.
            ...(w.etcd.tls ? [{ file: ETCD_CA, content: (w.certificates ? w.etcd.caPemAtCreation : w.etcd.caPem).apply((pem) => pem ?? ""), permissions: "0644" }] : []),
            ...(backup?.uploads ?? []),
            ...(restore?.uploads ?? []),
        ],
        command: ["/bin/sh", "-c", `${beforePatroni.join(" && ")} && exec patroni /etc/patroni/patroni.yml`],
        // Published on loopback only, at ports Docker picks: tools and the DCS reconciler reach
        // members from the host, nothing beyond this machine does, and stacks never collide.
        ports: [publish(PG_PORT, "127.0.0.1"), publish(API_PORT, "127.0.0.1")],
        shmSize: spec.shmSizeMb,
        // A member cut off the network resolves each etcd name in turn; with the default
        // resolver timeouts (5 s x 2 attempts) three names take ~30 s, past ttl, and an
        // isolated leader would still be primary when a new one is promoted. 1 s x 2 keeps
        // its demotion inside ttl (docs/reliability.md, finding 1).
        dnsOpts: ["timeout:1", "attempts:2"],
        labels: [
            ...pgscaleLabels(w.name, "postgres"), { label: "pgscale.member", value: member },
            ...(https ? [{ label: REST_SCHEME_LABEL, value: "https" }] : []), ...(backup?.labels ?? []),
        ],
        restart: "unless-stopped",
        // Patroni stops PostgreSQL cleanly and releases the leader key on SIGTERM; give it time.
        stopSignal: "SIGTERM",
        stopTimeout: 30,
        // Removing a member stops it first, so Patroni leaves the cluster cleanly.
        destroyGraceSeconds: 30,
        healthcheck: {
            // curl verifies the member's certificate (it names 127.0.0.1) against the cluster's CA.
            tests: https
                ? ["CMD", "curl", "-fsS", "-o", "/dev/null", "--cacert", `${TLS_DIR}/ca.crt`, `https://127.0.0.1:${API_PORT}/health`]
                : ["CMD", "curl", "-fsS", "-o", "/dev/null", `http://127.0.0.1:${API_PORT}/health`],
            interval: `${w.healthcheck.intervalSeconds}s`, timeout: "2s", retries: w.healthcheck.retries, startPeriod: "2s",
        },
    };
    return { member, args, revision: replacementFingerprint(args) };
}
