import * as pulumi from "@pulumi/pulumi";
import * as docker from "@pulumi/docker";
import { settledCount } from "../../../test/support/bad-input";
import { installDockerMocks } from "../../../test/support/docker-mocks";
import { replicationConnectWatchdogStep } from "@pgscale/core";

// Mocks must be in place before the constructs are imported (PULUMI-NOTES.md).
const registered: Array<{ type: string; name: string; inputs: any; parent?: string }> = [];
installDockerMocks((args) => registered.push({ type: args.type, name: args.name, inputs: args.inputs }));

jest.mock("@pgscale/postgres", () => require("../../../test/support/postgres-stubs"));
// @pgscale/docker's own dynamic resources (rolling gates, HAProxy reload) are replaced likewise.
jest.mock("./rolling/rollout", () => require("../../../test/support/postgres-stubs"));
jest.mock("./haproxy-reload/config-reload", () => require("../../../test/support/postgres-stubs"));
jest.mock("./tls-delivery/cert-delivery", () => require("../../../test/support/postgres-stubs"));
jest.mock("./etcd-auth", () => require("../../../test/support/postgres-stubs"));
jest.mock("./engine/preflight", () => require("../../../test/support/postgres-stubs"));
import { EtcdCluster, HAProxyFrontend, PatroniCluster, PgBouncerPool, RestoreDrill } from "./index";

const unwrap = <T>(o: pulumi.Output<T>): Promise<T> => new Promise((resolve) => o.apply(resolve));
/** A secret input as the mocks see it ({ value }), or the plain one. */
const plain = (v: any) => (v && typeof v === "object" && "value" in v && !Array.isArray(v) ? v.value : v);

function topology(overrides: { nodes?: number; synchronousMode?: boolean } = {}) {
    const dcs = new EtcdCluster("dcs", { members: 3 });
    const pg = new PatroniCluster("main", { dcs, nodes: overrides.nodes ?? 3, database: "appdb", owner: "app",
        patroni: { synchronousMode: overrides.synchronousMode ?? false } });
    const lb = new HAProxyFrontend("lb", { cluster: pg });
    const pool = new PgBouncerPool("pool", { backend: lb });
    return { dcs, pg, lb, pool };
}

describe("construct graph", () => {
    beforeEach(() => registered.splice(0));

    it("routes the cluster's own URIs through a router made on first use, and a pool may sit on the cluster", async () => {
        const dcs = new EtcdCluster("rdcs", { members: 1 });
        const pg = new PatroniCluster("routed", { dcs, nodes: 2, database: "appdb", owner: "app" });
        await unwrap(pg.dynamicConfig.urn);
        const containers = () => registered.filter((r) => r.type === "docker:index/container:Container").map((r) => r.name);
        // Nothing read the URIs yet: no router.
        expect(containers()).not.toContain("routed-router");
        const uri = await unwrap(pg.primaryUri);
        expect(uri).toMatch(/^postgresql:\/\/app:pw-routed-owner-password@127\.0\.0\.1:\d+\/appdb\?sslmode=require$/);
        expect(pg.replicaUri).toBe(pg.router.replicaUri);
        expect(containers().filter((n) => n === "routed-router")).toHaveLength(1);
        const pool = new PgBouncerPool("routed-pool", { backend: pg });
        await unwrap(pool.uri);
        const ini = plain(registered.find((r) => r.name === "routed-pool" && r.type === "docker:index/container:Container")!.inputs.uploads).find((u: any) => u.file.endsWith("pgbouncer.ini")).content;
        // By the cluster's name, which the router answers to and the members' certificates carry (TLS, the default).
        expect(ini).toContain("host=routed port=5000");
        const router = registered.find((r) => r.name === "routed-router" && r.type === "docker:index/container:Container")!;
        expect(router.inputs.networksAdvanced[0].aliases).toEqual(["routed-router", "routed"]);
        // Still one router.
        expect(containers().filter((n) => n === "routed-router")).toHaveLength(1);
    });

    it("creates etcd members, Patroni nodes with volumes, HAProxy and PgBouncer on one network", async () => {
        const { pg, lb, pool } = topology();
        await unwrap(pool.uri);
        // Member containers register one after another (rolling chain); the DCS config comes after all.
        await unwrap(pg.dynamicConfig.urn);
        const count = (t: string) => registered.filter((r) => r.type === t).length;
        expect(count("docker:index/network:Network")).toBe(1);
        expect(count("docker:index/container:Container")).toBe(3 + 3 + 1 + 1);
        expect(count("docker:index/volume:Volume")).toBe(3 + 3);
        expect(pg.members.map((m) => m.name)).toEqual(["main-0", "main-1", "main-2"]);
        const uri = await unwrap(lb.primaryUri);
        expect(uri).toMatch(/^postgresql:\/\/app:pw-main-owner-password@127\.0\.0\.1:\d+\/appdb\?sslmode=require$/);
        // After a CA rotation each etcd member restarts; a leader hands its leadership to a member
        // restarted before it if there is one (core's etcd-restart.test.ts has the rest).
        await settledCount(registered);
        const etcdRestarts = ["dcs-0", "dcs-1", "dcs-2"].map((m) => registered.find((r) => r.type === "pgscale:index:CertificateDelivery" && r.name === `${m}-tls-files`)!.inputs);
        expect(etcdRestarts.map((d) => ({ restartOnNewCa: d.restartOnNewCa, etcdMember: d.etcdMember }))).toEqual([
            { restartOnNewCa: true, etcdMember: { tls: true, handOffTo: ["dcs-2", "dcs-1"] } },
            { restartOnNewCa: true, etcdMember: { tls: true, handOffTo: ["dcs-0", "dcs-2"] } },
            { restartOnNewCa: true, etcdMember: { tls: true, handOffTo: ["dcs-1", "dcs-0"] } },
        ]);
    });

    it("plans rolling changes: a rollout over every member's fingerprint, a gate before each member and one after all", async () => {
        const { pg } = topology();
        await unwrap(pg.dynamicConfig.urn);
        const rollout = registered.filter((r) => r.type === "pgscale:index:PatroniRollout");
        expect(rollout).toHaveLength(1);
        expect(rollout[0].inputs.members).toEqual(["main-0", "main-1", "main-2"]);
        expect(rollout[0].inputs.selector).toEqual({ project: "pgscale", stack: "unit", component: "main" });
        const revisions = rollout[0].inputs.revisions as Record<string, string>;
        expect(Object.keys(revisions)).toEqual(["main-0", "main-1", "main-2"]);
        for (const r of Object.values(revisions)) expect(r).toMatch(/^[0-9a-f]{16}$/);
        // Members differ (name, volume, alias), so do their fingerprints.
        expect(new Set(Object.values(revisions)).size).toBe(3);
        const gates = registered.filter((r) => r.type === "pgscale:index:PatroniRolloutGate");
        expect(gates.map((g) => g.name)).toEqual(["main-0-gate", "main-1-gate", "main-2-gate", "main-rollout-settled"]);
        expect(gates.slice(0, 3).map((g) => g.inputs.revision)).toEqual(Object.values(revisions));
    });

    it("keeps HAProxy's container and reloads it when the member list changes", async () => {
        const { lb } = topology();
        await unwrap(lb.configReload.urn);
        const container = registered.find((r) => r.type === "docker:index/container:Container" && r.name === "lb")!;
        const reload = registered.find((r) => r.type === "pgscale:index:HAProxyConfigReload")!;
        expect(reload.name).toBe("lb-config");
        expect(reload.inputs.containerId).toBe("lb-id");
        // The container starts with the same file the reload keeps current.
        expect(container.inputs.uploads[0]).toEqual({ file: "/etc/haproxy/haproxy.cfg", content: reload.inputs.config });
        expect(reload.inputs.config).toContain("load-server-state-from-file global");
        for (const m of ["main-0", "main-1", "main-2"]) expect(reload.inputs.config).toContain(`server ${m} ${m}:5432`);
    });

    it("names engine objects after project, stack and component, and binds ports to loopback", async () => {
        const { pg } = topology();
        await unwrap(pg.dynamicConfig.urn);
        const containers = registered.filter((r) => r.type === "docker:index/container:Container");
        for (const c of containers) {
            expect(c.inputs.name).toMatch(/^pgscale-unit-/);
            for (const p of c.inputs.ports ?? []) expect(p.ip).toBe("127.0.0.1");
            expect(c.inputs.labels).toEqual(expect.arrayContaining([{ label: "pgscale.stack", value: "unit" }]));
        }
    });

    it("binds beyond loopback only where asked, and URIs still name an address clients can reach", async () => {
        const dcs = new EtcdCluster("dcs5", {});
        const pg = new PatroniCluster("pg5", { dcs, nodes: 2 });
        const lb = new HAProxyFrontend("lb5", { cluster: pg, bindAddress: "0.0.0.0" });
        const pool = new PgBouncerPool("pool5", { backend: lb, bindAddress: "::" });
        expect(new URL(await unwrap(lb.primaryUri)).hostname).toBe("127.0.0.1");
        expect(new URL(await unwrap(pool.uri)).hostname).toBe("[::1]");
        // Member containers register along the rollout chain; the DCS reconciler comes after them.
        await unwrap(pg.dynamicConfig.urn);
        const ips = (name: string) => registered.find((r) => r.type === "docker:index/container:Container" && r.name === name)!.inputs.ports.map((p: any) => p.ip);
        expect(new Set(ips("lb5"))).toEqual(new Set(["0.0.0.0"]));
        expect(ips("pool5")).toEqual(["::"]);
        // The members' ports are for tools on this machine and stay on loopback regardless.
        expect(new Set(ips("pg5-0"))).toEqual(new Set(["127.0.0.1"]));
    });

    it("with tls (the default), gives each node and the pool a certificate, renewed by default and delivered into the running container, keys as secrets", async () => {
        const dcs = new EtcdCluster("dcs6", {});
        const pg = new PatroniCluster("pg6", { dcs, nodes: 2, tls: { lifetimeDays: 90 } });
        const lb = new HAProxyFrontend("lb6", { cluster: pg });
        const pool = new PgBouncerPool("pool6", { backend: lb });
        expect(await unwrap(pg.tlsCaPem!)).toBe("CA pg6-tls");
        await unwrap(pool.uri);
        await settledCount(registered);
        const tls = registered.filter((r) => r.type === "pgscale:index:GeneratedTls");
        const servers = (n: string) => Object.keys(tls.find((t) => t.name === n)!.inputs.servers);
        // The CA alone, and a certificate per member signed by it: adding a member adds one resource and changes none.
        expect(servers("pg6-tls")).toEqual([]);
        expect(servers("pg6-0-tls")).toEqual(["pg6-0"]);
        expect(servers("pg6-1-tls")).toEqual(["pg6-1"]);
        expect(tls.find((t) => t.name === "pg6-1-tls")!.inputs.ca).toEqual(expect.anything());
        expect(servers("pool6-tls")).toEqual(["pool6"]);
        // Each member's certificate also names the cluster, which HAProxy answers to for PgBouncer (verify-full).
        expect(tls.find((t) => t.name === "pg6-0-tls")!.inputs.servers["pg6-0"]).toMatchObject({ dnsNames: expect.arrayContaining(["pg6-0", "pg6"]), validDays: 90 });
        expect(tls.find((t) => t.name === "pool6-tls")!.inputs.servers.pool6).toMatchObject({ validDays: 90 });
        const haproxy = registered.find((r) => r.type === "docker:index/container:Container" && r.name === "lb6")!;
        expect(haproxy.inputs.networksAdvanced[0].aliases).toEqual(["lb6", "pg6"]);
        const poolIni = plain(plain(registered.find((r) => r.type === "docker:index/container:Container" && r.name === "pool6")!.inputs.uploads)
            .find((u: any) => u.file === "/etc/pgbouncer/pgbouncer.ini").content);
        expect(poolIni).toMatch(/^app = host=pg6 port=5000 dbname=app$/m);
        expect(await unwrap(pool.uri)).toMatch(/\?sslmode=require$/);
        // Renewed in the last third of their lifetime by default.
        for (const n of ["pg6-0-tls", "pg6-1-tls", "pool6-tls"]) expect(tls.find((t) => t.name === n)!.inputs.renewBeforeFraction).toBeCloseTo(1 / 3);
        // The CA rotates by the same rule on its own lifetime; no rotation asked (caGeneration 0).
        expect(tls.find((t) => t.name === "pg6-tls")!.inputs).toMatchObject({ renewBeforeFraction: 1 / 3, caGeneration: 0 });
        // Certificates reach the running containers through a CertificateDelivery each, never an
        // upload (a changed upload replaces the container); the entrypoint waits for the files.
        const deliveries = registered.filter((r) => r.type === "pgscale:index:CertificateDelivery");
        for (const [c, key, dir, ports] of [["pg6-1", "KEY pg6-1", "/var/run/postgresql/tls", [5432, 8008]], ["pool6", "KEY pool6", "/var/run/pgbouncer/tls", [6432]]] as const) {
            const container = registered.find((r) => r.type === "docker:index/container:Container" && r.name === c)!;
            expect(plain(container.inputs.uploads).filter((u: any) => /\/(server\.(crt|key)|ca\.crt)$/.test(u.file))).toEqual([]);
            expect(container.inputs.command.join(" ")).toMatch(new RegExp(`^/bin/sh -c until \\[ -s ${dir}/server\\.crt \\]; do sleep 0\\.2; done && .*exec `));
            const d = deliveries.find((r) => r.name === `${c}-tls-files`)!;
            expect(d.inputs).toMatchObject({ user: "postgres", dir, certPem: `CERT ${c}` });
            expect(plain(d.inputs.keyPem)).toBe(key); // CertificateDelivery makes it a secret input (its constructor)
            expect(d.inputs.serves.map((x: any) => x.port)).toEqual(ports);
        }
        // With PostgreSQL's TLS off, the REST API's HTTPS (on by default) keeps its CA.
        const off = new PatroniCluster("pg7", { dcs, nodes: 1, tls: { enabled: false } });
        expect(await unwrap(off.tlsCaPem)).toBeUndefined();
        expect(await unwrap(off.restApiCaPem)).toBe("CA pg7-tls");
        expect(off.tls).toBeUndefined();
        await settledCount(registered);
        // Lifetime unset: 90 days.
        expect(registered.find((r) => r.name === "pg7-0-tls")!.inputs.servers["pg7-0"]).toMatchObject({ validDays: 90 });
        // Neither: no certificates; the command only starts the watchdog beside Patroni.
        const none = new PatroniCluster("pg7p", { dcs, nodes: 1, restApi: { https: false }, tls: { enabled: false } });
        expect(await unwrap(none.restApiCaPem)).toBeUndefined();
        await settledCount(registered);
        const offNode = registered.find((r) => r.type === "docker:index/container:Container" && r.name === "pg7p-0")!;
        expect(offNode.inputs.command).toEqual(["/bin/sh", "-c", `${replicationConnectWatchdogStep("/usr/lib/postgresql/17/bin")} && exec patroni /etc/patroni/patroni.yml`]);
        expect(registered.filter((r) => r.name === "pg7p-tls")).toEqual([]);
    });

    it("with backup, mounts one repository volume in every member, archives into the scope's stanza and starts the scheduler", async () => {
        const dcs = new EtcdCluster("dcs8", {});
        const pg = new PatroniCluster("pg8", { dcs, nodes: 2, scope: "orders", backup: { rpoSeconds: 30 } });
        await unwrap(pg.dynamicConfig.urn);
        await settledCount(registered);
        const volume = registered.find((r) => r.type === "docker:index/volume:Volume" && r.name === "pg8-backup")!;
        expect(volume.inputs.name).toMatch(/-pg8-backup$/);
        expect(await unwrap(pg.backupPassphrase)).toBe("pw-pg8-backup-passphrase");
        for (const member of ["pg8-0", "pg8-1"]) {
            const c = registered.find((r) => r.type === "docker:index/container:Container" && r.name === member)!;
            expect(c.inputs.volumes).toContainEqual(expect.objectContaining({ volumeName: volume.inputs.name, containerPath: "/var/lib/pgbackrest" }));
            const conf = plain(plain(c.inputs.uploads).find((u: any) => u.file === "/etc/pgbackrest/pgbackrest.conf").content);
            expect(conf).toContain("repo1-cipher-pass=pw-pg8-backup-passphrase");
            expect(conf).toContain("[orders]");
            const scheduler = JSON.parse(plain(plain(c.inputs.uploads).find((u: any) => u.file === "/etc/pgscale/backup.json").content));
            expect(scheduler).toMatchObject({ stanza: "orders", intervals: { full: 86400 } });
            // The certificates in place, the client key readable by postgres alone, then the scheduler (which runs pgBackRest's TLS server), then Patroni.
            expect(c.inputs.command).toEqual(["/bin/sh", "-c", `until [ -s /var/run/postgresql/tls/server.crt ]; do sleep 0.2; done && install -m 0600 /etc/pgbackrest/client.key /var/run/postgresql/pgbackrest-client.key && { python3 /usr/local/bin/pgscale-backup-scheduler /etc/pgscale/backup.json & } && ${replicationConnectWatchdogStep("/usr/lib/postgresql/17/bin")} && exec patroni /etc/patroni/patroni.yml`]);
            // pgBackRest's server: the member's certificate, to the cluster's one client certificate for this stanza.
            expect(conf).toContain("tls-server-cert-file=/var/run/postgresql/tls/server.crt\ntls-server-key-file=/var/run/postgresql/tls/server.key\ntls-server-ca-file=/var/run/postgresql/tls/ca.crt\ntls-server-auth=pgbackrest=orders\n");
            expect(scheduler.standbyOptions).toContain("--pg2-host-cert-file=/etc/pgbackrest/client.crt");
            expect(plain(c.inputs.uploads).map((u: any) => u.file)).toEqual(expect.arrayContaining(["/etc/pgbackrest/client.crt", "/etc/pgbackrest/client.key"]));
            // Replicas come from the repository first, from the primary when that fails.
            const yml = plain(plain(plain(c.inputs.uploads).find((u: any) => u.file === "/etc/patroni/patroni.yml").content));
            expect(yml).toMatch(/create_replica_methods:\n\s+- pgbackrest\n\s+- basebackup\n\s+pgbackrest:\n\s+command: \/etc\/pgscale\/replica-from-backup.sh\n\s+keep_data: true\n\s+no_params: true/);
        }
        const dcsConfig = registered.find((r) => r.type === "pgscale:index:PatroniDynamicConfig" && r.name === "pg8-dcs-config")!;
        expect(plain(dcsConfig.inputs.config).postgresql.parameters).toMatchObject({
            archive_mode: "on", archive_command: "pgbackrest --stanza=orders archive-push %p", archive_timeout: "30s",
        });
        // Off by default: no repository, no passphrase.
        expect(await unwrap(new PatroniCluster("pg9", { dcs, nodes: 1 }).backupVolume)).toBeUndefined();
        // One client certificate, signed by the cluster's CA; a cluster without TLS or HTTPS gets a CA and member certificates for pgBackRest alone.
        const client = registered.find((r) => r.name === "pg8-backup-client")!;
        expect(Object.keys(client.inputs.servers)).toEqual(["pgbackrest"]);
        expect(client.inputs.servers.pgbackrest.clientAuth).toBe(true);
        const bare = new PatroniCluster("pg10", { dcs, nodes: 1, tls: { enabled: false }, restApi: { https: false }, backup: { drill: { schedule: "6h" } } });
        await unwrap(bare.dynamicConfig.urn);
        await settledCount(registered);
        expect(registered.filter((r) => ["pg10-tls", "pg10-0-tls", "pg10-backup-client"].includes(r.name)).map((r) => r.name).sort()).toEqual(["pg10-0-tls", "pg10-backup-client", "pg10-tls"]);
        expect(await unwrap(bare.tlsCaPem)).toBeUndefined();
        const bareMember = registered.find((r) => r.type === "docker:index/container:Container" && r.name === "pg10-0")!;
        expect(plain(bareMember.inputs.uploads).map((u: any) => u.file)).toContain("/etc/pgscale/restore-drill.sh");
    });

    it("with an S3 repository, creates no volume, puts the bucket and its keys only in pgbackrest.conf (a secret) and the CA beside it", async () => {
        const dcs = new EtcdCluster("dcs12", {});
        const s3 = { endpoint: "seaweed:8333", bucket: "pg-backups", region: "us-east-1", accessKeyId: "AKID12", secretAccessKey: pulumi.secret("SK12-secret"), caPem: "-----BEGIN CERTIFICATE-----\nca12\n" };
        const pg = new PatroniCluster("pg12", { dcs, nodes: 2, backup: { repository: { s3 } } });
        await unwrap(pg.dynamicConfig.urn);
        await settledCount(registered);
        expect(registered.filter((r) => r.type === "docker:index/volume:Volume" && r.name === "pg12-backup")).toEqual([]);
        expect(await unwrap(pg.backupVolume)).toBeUndefined();
        for (const member of ["pg12-0", "pg12-1"]) {
            const c = registered.find((r) => r.type === "docker:index/container:Container" && r.name === member)!;
            expect(c.inputs.volumes.map((v: any) => v.containerPath)).not.toContain("/var/lib/pgbackrest");
            expect(c.inputs.uploads).toHaveProperty("value"); // a secret as a whole
            const upload = (file: string) => plain(plain(c.inputs.uploads).find((u: any) => u.file === file).content);
            const conf = upload("/etc/pgbackrest/pgbackrest.conf");
            expect(conf).toContain("repo1-type=s3\nrepo1-path=/pgbackrest\nrepo1-s3-endpoint=seaweed\nrepo1-storage-port=8333\n");
            expect(conf).toContain("repo1-s3-key=AKID12\nrepo1-s3-key-secret=SK12-secret\nrepo1-storage-ca-file=/etc/pgbackrest/s3-ca.crt\nrepo1-storage-verify-tls=y\n");
            expect(upload("/etc/pgbackrest/s3-ca.crt")).toBe(s3.caPem);
            // The keys go nowhere else: command, labels, environment.
            const elsewhere = JSON.stringify({ command: c.inputs.command, labels: c.inputs.labels, envs: c.inputs.envs });
            expect(elsewhere).not.toMatch(/AKID12|SK12-secret/);
        }
        // Restoring into a new cluster from the bucket: no source volume, the bucket in restore.conf, its CA at the restore's path.
        const copy = new PatroniCluster("copy12", { dcs, nodes: 1, bootstrap: { fromBackup: { repository: { s3 }, stanza: pg.scope, passphrase: pg.backupPassphrase.apply((p) => p!) } } });
        await unwrap(copy.dynamicConfig.urn);
        await settledCount(registered);
        const c = registered.find((r) => r.type === "docker:index/container:Container" && r.name === "copy12-0")!;
        expect(c.inputs.volumes.map((v: any) => v.containerPath)).not.toContain("/var/lib/pgbackrest-source");
        const upload = (file: string) => plain(plain(c.inputs.uploads).find((u: any) => u.file === file).content);
        expect(upload("/etc/pgscale/restore.conf")).toMatch(/repo1-type=s3\n[^]*repo1-s3-key-secret=SK12-secret\nrepo1-storage-ca-file=\/etc\/pgscale\/restore-s3-ca\.crt\n[^]*repo1-cipher-pass=pw-pg12-backup-passphrase/);
        expect(upload("/etc/pgscale/restore-s3-ca.crt")).toBe(s3.caPem);
    });

    it("with bootstrap.fromBackup, mounts the source read-only and restores through Patroni's custom bootstrap", async () => {
        const dcs = new EtcdCluster("dcs11", {});
        const source = new PatroniCluster("pg11", { dcs, nodes: 1, backup: {} });
        const copy = new PatroniCluster("copy11", { dcs, nodes: 2, bootstrap: { fromBackup: {
            repository: { volume: source.backupVolume.apply((v) => v!) }, stanza: source.scope, passphrase: source.backupPassphrase.apply((p) => p!),
            target: { time: "2026-12-03T21:05:00Z" },
        } } });
        await unwrap(copy.dynamicConfig.urn);
        await settledCount(registered);
        const sourceVolume = registered.find((r) => r.type === "docker:index/volume:Volume" && r.name === "pg11-backup")!.inputs.name;
        const c = registered.find((r) => r.type === "docker:index/container:Container" && r.name === "copy11-1")!;
        expect(c.inputs.volumes).toContainEqual(expect.objectContaining({ volumeName: sourceVolume, containerPath: "/var/lib/pgbackrest-source", readOnly: true }));
        const upload = (file: string) => plain(plain(plain(c.inputs.uploads).find((u: any) => u.file === file).content));
        expect(upload("/etc/pgscale/restore.conf")).toContain("repo1-cipher-pass=pw-pg11-backup-passphrase");
        expect(upload("/etc/pgscale/restore.sh")).toContain("--stanza=pg11 '--type=time' '--target=2026-12-03 21:05:00+00'");
        expect(upload("/etc/patroni/patroni.yml")).toMatch(/method: pgbackrest\n\s+pgbackrest:\n\s+command: \/etc\/pgscale\/restore.sh\n\s+keep_existing_recovery_conf: true\n\s+no_params: true/);
        expect(upload("/etc/patroni/post-bootstrap.sh")).toContain("ALTER ROLE app LOGIN PASSWORD");
        // The copy has no backup of its own unless asked: no archive settings, no scheduler (only the REST key's copy).
        expect(c.inputs.command).toEqual(["/bin/sh", "-c", `until [ -s /var/run/postgresql/tls/server.crt ]; do sleep 0.2; done && ${replicationConnectWatchdogStep("/usr/lib/postgresql/17/bin")} && exec patroni /etc/patroni/patroni.yml`]);
    });

    it("runs every container as a named non-root user with every capability dropped (HAProxy keeps CAP_KILL for its reload)", async () => {
        const { pool } = topology();
        await unwrap(pool.uri);
        const containers = registered.filter((r) => r.type === "docker:index/container:Container");
        expect(containers.map((c) => c.name).sort()).toEqual(["dcs-0", "dcs-1", "dcs-2", "lb", "main-0", "main-1", "main-2", "pool"]);
        for (const c of containers) {
            expect({ c: c.name, user: c.inputs.user, capabilities: c.inputs.capabilities })
                .toEqual({ c: c.name, user: expect.stringMatching(/^(postgres|haproxy|etcd)$/), capabilities: c.name === "lb" ? { drops: ["ALL"], adds: ["KILL"] } : { drops: ["ALL"] } });
        }
    });

    it("bounds DNS lookups on Patroni members so an isolated leader demotes within ttl", async () => {
        const { pg } = topology();
        await unwrap(pg.dynamicConfig.urn);
        const members = registered.filter((r) => r.type === "docker:index/container:Container" && /^main-\d$/.test(r.name));
        expect(members).toHaveLength(3);
        for (const m of members) expect(m.inputs.dnsOpts).toEqual(["timeout:1", "attempts:2"]);
    });

    it("keeps passwords out of labels and environment", async () => {
        const { pg, pool } = topology();
        await unwrap(pool.uri);
        await unwrap(pg.dynamicConfig.urn);
        const containers = registered.filter((r) => r.type === "docker:index/container:Container");
        const exposed = JSON.stringify(containers.map((c) => [c.inputs.labels, c.inputs.envs, c.inputs.command]));
        expect(exposed).not.toMatch(/pw-/);
        // The verifier, not the password, is what PgBouncer and the bootstrap script get.
        const pgb = containers.find((c) => c.name === "pool")!;
        // Secret inputs reach the mock wrapped as { <secret signature>: ..., value }.
        expect(pgb.inputs.uploads).toHaveProperty("value"); // the uploads are a secret as a whole
        const userlist = plain(pgb.inputs.uploads).find((u: any) => u.file.endsWith("userlist.txt")).content;
        expect(JSON.stringify(userlist)).not.toMatch(/pw-/);
    });

    it("a pool admits declared users with the server's verifier and their own pool size; a bad entry is named before anything is registered", async () => {
        const dcs = new EtcdCluster("udcs", { members: 1 });
        const pg = new PatroniCluster("umain", { dcs, nodes: 1, database: "appdb", owner: "app" });
        const reporter = { name: pulumi.output("reporter"), scramVerifier: pulumi.secret("SCRAM-SHA-256$4096:c2FsdA==$AA==:AA==") };
        const pool = new PgBouncerPool("upool", { backend: pg, users: [{ role: reporter, poolSize: 3 }] });
        await unwrap(pool.uri);
        const c = registered.find((r) => r.type === "docker:index/container:Container" && r.name === "upool")!;
        const file = (f: string) => plain(plain(c.inputs.uploads).find((u: any) => u.file === f).content);
        expect(file("/etc/pgbouncer/userlist.txt")).toContain('"reporter" "SCRAM-SHA-256$4096:c2FsdA==$AA==:AA=="');
        expect(file("/etc/pgbouncer/pgbouncer.ini")).toMatch(/\[users\]\nreporter = pool_size=3\n/);
        registered.splice(0);
        expect(() => new PgBouncerPool("ubad", { backend: pg, users: [{ role: "reporter" as any, poolSize: 0 }] })).toThrow(/users\[0\]\.role: must be a login Role[\s\S]*users\[0\]\.poolSize/);
        expect(registered.filter((r) => r.name.startsWith("ubad"))).toEqual([]);
    });

    it("creates the declared roles and databases as children through the router once the cluster is ready, and a pool admits the login roles", async () => {
        const dcs = new EtcdCluster("adcs", { members: 1 });
        const pg = new PatroniCluster("amain", {
            dcs, nodes: 1, database: "appdb", owner: "app",
            roles: [{ name: "reporter", memberOf: ["readers"], poolSize: 2 }, { name: "readers", login: false }],
            databases: [{ name: "reports", owner: "reporter" }, { name: "scratch", removalPolicy: "destroy" }],
        });
        expect(Object.keys(pg.roles)).toEqual(["readers", "reporter"]); // a role after those it joins
        const pool = new PgBouncerPool("apool", { backend: pg });
        await unwrap(pool.uri);
        await unwrap(pg.databases.scratch.urn);
        const byName = (n: string) => registered.find((r) => r.name === n)!;
        expect(byName("amain-role-reporter")).toMatchObject({ type: "pgscale:index:Role", inputs: { name: "reporter", login: true, memberOf: ["readers"] } });
        expect(byName("amain-role-reporter").inputs).not.toHaveProperty("poolSize");
        expect(byName("amain-db-reports").inputs).toMatchObject({ name: "reports", owner: "reporter" });
        expect(byName("amain-db-scratch").inputs).toMatchObject({ name: "scratch", owner: "app", removalPolicy: "destroy" });
        expect(plain(byName("amain-db-reports").inputs.connection)).toMatch(/^postgresql:\/\/postgres:pw-amain-superuser-password@127\.0\.0\.1:\d+\/appdb\?sslmode=require$/);
        const c = registered.find((r) => r.type === "docker:index/container:Container" && r.name === "apool")!;
        const file = (f: string) => plain(plain(c.inputs.uploads).find((u: any) => u.file === f).content);
        expect(file("/etc/pgbouncer/userlist.txt")).toContain('"reporter" "SCRAM-SHA-256$4096');
        expect(file("/etc/pgbouncer/userlist.txt")).not.toContain('"readers"');
        expect(file("/etc/pgbouncer/pgbouncer.ini")).toMatch(/\[users\]\nreporter = pool_size=2\n/);
        registered.splice(0);
        expect(() => new PgBouncerPool("abad", { backend: pg, users: [{ role: pg.roles.reporter }] })).toThrow(/users\[0\]\.role: is one of the cluster's roles/);
        expect(registered.filter((r) => r.name.startsWith("abad"))).toEqual([]);
    });

    it("adds a synchronous-standby endpoint only in synchronous mode", async () => {
        const a = topology({ synchronousMode: true });
        expect(a.lb.syncReplicaUri).toBeDefined();
        registered.splice(0);
        const b = topology();
        expect(b.lb.syncReplicaUri).toBeUndefined();
    });

    it("checks every data volume name before creating it, and passes the docker provider's host to pgscale's own providers", async () => {
        const engine = new docker.Provider("other-engine", { host: "unix:///run/other/docker.sock" });
        const dcs = new EtcdCluster("dcs8", {}, { providers: [engine] });
        const pg = new PatroniCluster("pg8", { dcs, nodes: 2, adoptExistingVolumes: true }, { providers: [engine] });
        const lb = new HAProxyFrontend("lb8", { cluster: pg }, { providers: [engine] });
        await unwrap(lb.configReload.urn);
        await unwrap(pg.dynamicConfig.urn);
        const byName = (n: string) => registered.find((r) => r.name === n) ?? { name: n, inputs: { missing: true } as any };
        expect(byName("dcs8-preflight").inputs).toMatchObject({ volumes: ["pgscale-unit-dcs8-0-data", "pgscale-unit-dcs8-1-data", "pgscale-unit-dcs8-2-data"], adoptExistingVolumes: false });
        expect(byName("pg8-preflight").inputs).toMatchObject({
            subject: "PatroniCluster pg8", volumes: ["pgscale-unit-pg8-0-data", "pgscale-unit-pg8-1-data"], adoptExistingVolumes: true,
            dockerHost: "unix:///run/other/docker.sock", hostField: "the `host` of the docker provider given to it", unsupported: [],
        });
        for (const n of ["pg8-rollout", "pg8-0-gate", "pg8-1-gate", "pg8-rollout-settled", "lb8-config"]) {
            expect([n, byName(n).inputs.dockerHost]).toEqual([n, "unix:///run/other/docker.sock"]);
        }
    });

    it("names a docker provider setting pgscale's engine client cannot follow", async () => {
        const engine = new docker.Provider("tls-engine", { host: "tcp://127.0.0.1:2376", certPath: "/certs" });
        const dcs = new EtcdCluster("dcs9", {}, { providers: [engine] });
        await unwrap(dcs.network.urn);
        expect(registered.find((r) => r.name === "dcs9-preflight")!.inputs.unsupported).toEqual(["certPath"]);
    });

    it("sets the members' healthcheck from `healthcheck`, defaults otherwise", async () => {
        const dcs = new EtcdCluster("dcs10", {});
        const pg = new PatroniCluster("pg10", { dcs, nodes: 1, healthcheck: { intervalSeconds: 5, retries: 12 } });
        await unwrap(pg.dynamicConfig.urn);
        expect(registered.find((r) => r.name === "pg10-0")!.inputs.healthcheck).toMatchObject({ interval: "5s", retries: 12 });
        const { pg: plain } = topology();
        await unwrap(plain.dynamicConfig.urn);
        expect(registered.find((r) => r.name === "main-0")!.inputs.healthcheck).toMatchObject({ interval: "2s", retries: 60 });
    });

    it("exports worst-case figures from the effective timings", () => {
        const { pg } = topology();
        expect(pg.worstCaseFailoverSeconds).toBe(30 + 10 + 2 + 4);
    });
});

describe("validation happens before any resource is registered", () => {
    // Registrations are asynchronous; match on the names the failing constructs would use.
    const registeredFor = async (name: string) => {
        await settledCount(registered);
        return registered.filter((r) => r.name === name || r.name.startsWith(`${name}-`));
    };
    const cases: Array<[string, () => unknown, RegExp]> = [
        ["etcd members 0", () => new EtcdCluster("bad", { members: 0 }), /members/],
        ["ttl below 20", () => new PatroniCluster("bad", { dcs: new EtcdCluster("ok-dcs1"), patroni: { ttl: 10 } }), /patroni\.ttl/],
        ["nodes 0", () => new PatroniCluster("bad", { dcs: new EtcdCluster("ok-dcs2"), nodes: 0 }), /nodes/],
        ["healthcheck interval 0", () => new PatroniCluster("bad", { dcs: new EtcdCluster("ok-dcs4"), healthcheck: { intervalSeconds: 0 } }), /healthcheck\.intervalSeconds/],
        ["drill of a cluster without backup", () => new RestoreDrill("bad", { cluster: new PatroniCluster("ok-pg5", { dcs: new EtcdCluster("ok-dcs5"), nodes: 1 }) }), /RestoreDrill bad[^]*cluster: PatroniCluster has no `backup`/],
        ["drill objectives and runOn", () => new RestoreDrill("bad", { cluster: new PatroniCluster("ok-pg6", { dcs: new EtcdCluster("ok-dcs6"), nodes: 1, backup: {} }), objectives: { rpoSeconds: -1 }, runOn: "sometimes" as any }), /objectives\.rpoSeconds[^]*runOn: must be "create" or "every-up"/],
        ["docker:certPath set", () => {
            pulumi.runtime.setConfig("docker:certPath", "/certs");
            try {
                return new EtcdCluster("bad", {});
            } finally {
                pulumi.runtime.setAllConfig({});
            }
        }, /docker:certPath/],
        ["unknown pool mode", () => {
            const pg = new PatroniCluster("ok-pg", { dcs: new EtcdCluster("ok-dcs3") });
            return new PgBouncerPool("bad", { backend: new HAProxyFrontend("ok-lb", { cluster: pg }), poolMode: "sessions" as any });
        }, /poolMode/],
    ];
    it.each(cases)("%s", async (_label, make, message) => {
        expect(make).toThrow(message);
        expect(await registeredFor("bad")).toHaveLength(0);
    });

    it("pool bigger than max_connections", async () => {
        const dcs = new EtcdCluster("dcs2", {});
        const pg = new PatroniCluster("pg2", { dcs, parameters: { max_connections: 50 } });
        const lb = new HAProxyFrontend("lb2", { cluster: pg });
        expect(() => new PgBouncerPool("pool2", { backend: lb, defaultPoolSize: 60 })).toThrow(/defaultPoolSize: pool needs up to 60/);
        expect(await registeredFor("pool2")).toHaveLength(0);
    });

    it("haproxy port clash", async () => {
        const dcs = new EtcdCluster("dcs3", {});
        const pg = new PatroniCluster("pg3", { dcs });
        expect(() => new HAProxyFrontend("lb3", { cluster: pg, primaryPort: 6000, statsPort: 6000 })).toThrow(/statsPort: port 6000/);
        expect(await registeredFor("lb3")).toHaveLength(0);
    });
});
