// postgresVersion: 17 for real: a 3-node PostgreSQL 17 + Patroni 4 cluster with quorum commit
// behind HAProxy 3.0 and PgBouncer 1.24 on the local engine, prepared statements through the
// pooler, pg_partman 5, and refused changes of major (17 -> 15 on it, 15 -> 17 taken from the default
// on a 1-node 15 cluster with nothing in front, brought up, refused and destroyed beside it). SIGKILL failovers of PostgreSQL 17 (the default) with no
// acknowledged write lost are ha-cluster's and the chaos suite's (quorum commit included), not repeated here.
import { Stack } from "@pulumi/pulumi/automation";
import { libpqCompatible } from "@pgscale/core";
import { destroyAndRemove, docker, dockerObjectsOfStack, fixtureStack, plainOutputs, uniqueStackName } from "../support/stack";
import { Client, asSuperuser, eventually, query } from "../support/pg";
import { clusterMembers, leaderName, restCall } from "../support/patroni";

jest.setTimeout(10 * 60 * 1000);

interface Outputs {
    primaryUri: string;
    replicaUri: string;
    poolerUri: string;
    untrackedPoolerUri?: string;
    syncReplicaUri?: string;
    superuserPassword: string;
    members: Array<{ name: string; container: string; restUrl: string; pgPort: number }>;
}

describe("PatroniCluster with postgresVersion: 17 on Docker", () => {
    const name = uniqueStackName("pg17");
    const name15 = uniqueStackName("pg15");
    let stack: Stack | undefined;
    let stack15: Stack | undefined;
    let out15: Outputs;
    let out: Outputs;
    const quiet = { onOutput: () => undefined };
    const memberUri = (m: Outputs["members"][number], o: Outputs = out) => `postgresql://postgres:${encodeURIComponent(o.superuserPassword)}@127.0.0.1:${m.pgPort}/postgres?sslmode=require`;
    const streamingReplicas = async () =>
        Number((await query(asSuperuser(out.primaryUri, out.superuserPassword), "SELECT count(*) AS n FROM pg_stat_replication WHERE state = 'streaming'"))[0].n);

    beforeAll(async () => {
        // Side by side: most of each `up` is waiting on Patroni, not on the 2 cores.
        stack = await fixtureStack("pg17", name);
        // The 15 stack only has to exist: one member, no HAProxy, PgBouncer or table.
        stack15 = await fixtureStack("pg17", name15, { postgresVersion: { value: "15" }, nodes: { value: "1" }, bare: { value: "true" } });
        const [res, res15] = await Promise.all([stack.up(quiet), stack15.up(quiet)]);
        expect([res.summary.result, res15.summary.result]).toEqual(["succeeded", "succeeded"]);
        out = plainOutputs(res.outputs) as Outputs;
        out15 = plainOutputs(res15.outputs) as Outputs;
    });
    afterAll(async () => Promise.all([destroyAndRemove(stack), destroyAndRemove(stack15)]));

    it("runs PostgreSQL 17 (the default: the program names no major) under Patroni 4 on every member, from pgscale/patroni-17, with PGDATA in pg17", async () => {
        for (const m of out.members) {
            const [row] = await query(memberUri(m), "SELECT version() AS v, current_setting('data_directory') AS d, current_setting('transaction_timeout') AS t");
            expect(row.v).toMatch(/^PostgreSQL 17\./);
            expect(row.d).toBe("/var/lib/postgresql/data/pg17");
            expect(row.t).toBe("0");
            const patroni = await restCall(m.restUrl, "/patroni");
            expect(patroni.body.patroni.version).toMatch(/^4\./);
            expect(JSON.parse(docker("inspect", m.container))[0].Config.Image).toMatch(/^sha256:/);
        }
        const image = JSON.parse(docker("image", "inspect", "pgscale/patroni-17:0.12.0"))[0];
        expect(image.Config.Labels["org.pgscale.postgresql-version"]).toMatch(/^17\./);
        expect(image.Config.Labels["org.pgscale.patroni-version"]).toMatch(/^4\./);
        // Patroni 4 answers `primary` where 3 said `master`, and /primary is its check endpoint.
        const leader = (await leaderName(out.members.map((m) => m.restUrl)))!;
        const leaderMember = out.members.find((m) => m.name === leader)!;
        expect((await restCall(leaderMember.restUrl, "/patroni")).body.role).toBe("primary");
        expect((await restCall(leaderMember.restUrl, "/primary")).status).toBe(200);
    });

    it("writes through primaryUri and PgBouncer, and the replicas stream them", async () => {
        await query(out.poolerUri, "CREATE TABLE t (id int primary key, note text)");
        await query(out.primaryUri, "INSERT INTO t VALUES (1, 'first')");
        expect(await streamingReplicas()).toBe(2);
        const replica = await eventually(async () => {
            const [row] = await query(out.replicaUri, "SELECT pg_is_in_recovery() AS r, (SELECT note FROM t WHERE id = 1) AS note, version() AS v");
            return row.note ? row : undefined;
        }, 15000, "row replicated");
        expect(replica).toMatchObject({ r: true, note: "first", v: expect.stringMatching(/^PostgreSQL 17\./) });
    });

    it("commits by quorum (Patroni 4): both replicas count, and syncReplicaUri reaches one of them", async () => {
        const members = (await eventually(async () => {
            const ms = await clusterMembers(out.members[0].restUrl);
            return ms.filter((m) => m.role === "quorum_standby").length === 2 ? ms : undefined;
        }, 30000, "two quorum standbys"))!;
        const leader = out.members.find((m) => m.name === members.find((x) => x.role === "leader")!.name)!;
        const [ssn] = await query(memberUri(leader), "SELECT current_setting('synchronous_standby_names') AS s");
        expect(ssn.s).toMatch(/^ANY 1 \(/);
        const ipOf = (container: string) => docker("inspect", "--format", "{{range .NetworkSettings.Networks}}{{.IPAddress}}{{end}}", container);
        const quorumIps = out.members.filter((m) => m.name !== leader.name).map((m) => ipOf(m.container));
        // HAProxy routes there once its next check (every second) has seen the quorum.
        await eventually(async () => (await query(out.syncReplicaUri!, "SELECT 1 AS one")).length === 1, 15000, "a quorum standby through syncReplicaUri");
        for (let i = 0; i < 4; i++) {
            const [row] = await query(out.syncReplicaUri!, "SELECT pg_is_in_recovery() AS r, host(inet_server_addr()) AS addr");
            expect(row.r).toBe(true);
            expect(quorumIps).toContain(row.addr);
        }
    });

    it("keeps committing while one replica hangs: a quorum of one of the two answers", async () => {
        const leader = (await leaderName(out.members.map((m) => m.restUrl)))!;
        const victim = out.members.find((m) => m.name !== leader)!;
        await query(out.primaryUri, "CREATE TABLE IF NOT EXISTS q (id int primary key)");
        // Frozen, not killed: a hung standby's connections stay open and nothing tells the primary
        // it is gone, the worst case for a commit that waits on it (and its published ports stay).
        docker("pause", victim.container);
        let longest = 0;
        try {
            for (let i = 1; i <= 20; i++) {
                const t0 = Date.now();
                await query(out.primaryUri, "INSERT INTO q VALUES ($1)", [i]);
                longest = Math.max(longest, Date.now() - t0);
            }
        } finally {
            docker("unpause", victim.container);
        }
        // A commit waiting on the hung standby would block until Patroni rewrote the quorum: seconds.
        expect(longest).toBeLessThan(3000);
        console.log(`postgres17 e2e: longest of 20 commits with one of two quorum standbys frozen: ${longest} ms`);
        await eventually(async () => (await streamingReplicas()) === 2, 60000, "the frozen replica streaming again");
    });

    it("prepares statements through PgBouncer in transaction mode; with tracking off the same client fails", async () => {
        // Client a prepares on the only server connection; b then holds it in a transaction, so a's
        // next execution lands on a second one, where only PgBouncer's tracking can have prepared it.
        const scenario = async (uri: string) => {
            const a = new Client({ connectionString: libpqCompatible(uri) });
            const b = new Client({ connectionString: libpqCompatible(uri) });
            await a.connect();
            await b.connect();
            try {
                const q = { name: "next_id", text: "SELECT $1::int + 1 AS n" };
                expect((await a.query({ ...q, values: [1] })).rows[0].n).toBe(2);
                await b.query("BEGIN");
                await b.query("SELECT 1");
                const second = await a.query({ ...q, values: [41] }).then((r) => r.rows[0].n, (e: Error) => e.message);
                await b.query("COMMIT");
                return second;
            } finally {
                await Promise.all([a.end(), b.end()]);
            }
        };
        expect(await scenario(out.poolerUri)).toBe(42);
        expect(await scenario(out.untrackedPoolerUri!)).toMatch(/prepared statement "next_id" does not exist/);
        // Many clients, many transactions, one statement name each: every execution answers.
        const sums = await Promise.all(Array.from({ length: 6 }, async (_, c) => {
            const client = new Client({ connectionString: libpqCompatible(out.poolerUri) });
            await client.connect();
            try {
                let sum = 0;
                for (let i = 0; i < 15; i++) sum += (await client.query({ name: "plus", text: "SELECT $1::int + $2::int AS n", values: [c, i] })).rows[0].n;
                return sum;
            } finally {
                await client.end();
            }
        }));
        expect(sums).toEqual(Array.from({ length: 6 }, (_, c) => 15 * c + 105));
    });

    it("registers a PartitionedTable with pg_partman 5, which made the partitions rows go to", async () => {
        const su = asSuperuser(out.primaryUri, out.superuserPassword, "appdb");
        const [ext] = await query(su, "SELECT extversion AS v FROM pg_extension WHERE extname = 'pg_partman'");
        expect(ext.v).toMatch(/^5\./);
        const [{ s }] = await query(su, "SELECT n.nspname AS s FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace WHERE e.extname = 'pg_partman'");
        const [conf] = await query(su, `SELECT partition_interval::text AS i, premake FROM "${s}".part_config WHERE parent_table = 'public.metrics'`);
        expect(conf).toEqual({ i: "1 mon", premake: 2 });
        await query(su, "INSERT INTO metrics DEFAULT VALUES");
        const [row] = await query(su, "SELECT tableoid::regclass::text AS p, (SELECT count(*) FROM pg_inherits WHERE inhparent = 'metrics'::regclass) AS n FROM metrics");
        expect(row.p).not.toMatch(/default/);
        expect(Number(row.n)).toBeGreaterThanOrEqual(5); // 2 behind, the current month, 2 ahead (and a default)
    });

    it("refuses a downgrade of postgresVersion at preview and touches nothing", async () => {
        refuseOn15().catch(() => undefined); // the next test's, on the other stack, meanwhile
        const containersBefore = out.members.map((m) => docker("inspect", "--format", "{{.Id}}", m.container));
        await stack!.setConfig("postgresVersion", { value: "15" });
        try {
            await expect(stack!.preview(quiet)).rejects.toThrow(/postgresVersion: changing 17 to 15 is a downgrade, which PostgreSQL cannot do in place; nothing was touched/);
            await expect(stack!.up(quiet)).rejects.toThrow(/is a downgrade, which PostgreSQL cannot do in place/);
        } finally {
            await stack!.removeConfig("postgresVersion");
        }
        expect(out.members.map((m) => docker("inspect", "--format", "{{.Id}}", m.container))).toEqual(containersBefore);
        const [row] = await query(out.primaryUri, "SELECT version() AS v, (SELECT count(*) FROM t) AS n");
        expect(row.v).toMatch(/^PostgreSQL 17\./);
        expect(Number(row.n)).toBe(1);
    });

    // The refusal of 15 -> 17 acts only on the 15 stack: it runs beside the downgrade's refusal on
    // the 17 stack (started by whichever of the two tests comes first; each awaits its own).
    let refusalOn15: Promise<void> | undefined;
    const refuseOn15 = () => (refusalOn15 ??= (async () => {
        // Made into a stack from before postgresVersion: its bootstrap record carries no note of the major.
        const deployment = await stack15!.exportStack();
        const bootstrap = deployment.deployment.resources.find((r: { urn: string }) => r.urn.endsWith("::pg-bootstrap-dcs"));
        expect(bootstrap.outputs.firstNote).toEqual({ postgresVersion: 15 });
        delete bootstrap.outputs.firstNote;
        delete bootstrap.inputs.note;
        await stack15!.importStack(deployment);
        const container = out15.members[0].container;
        const idBefore = docker("inspect", "--format", "{{.Id}}", container);
        const objectsBefore = dockerObjectsOfStack(name15);
        // A program that names no major (it was created when 15 was the default) is told how to keep 15.
        await stack15!.removeConfig("postgresVersion");
        // An upgrade is never taken from a default (test/e2e/major-upgrade.test.ts upgrades a named one).
        const refusal = /PatroniCluster pg: postgresVersion: this cluster runs PostgreSQL 15 and its program sets no postgresVersion, whose default is now 17; nothing was touched. Add postgresVersion: 15 to keep the cluster on 15, or postgresVersion: 17 to upgrade it in place/;
        await expect(stack15!.preview(quiet)).rejects.toThrow(refusal);
        await expect(stack15!.up(quiet)).rejects.toThrow(refusal);
        expect(docker("inspect", "--format", "{{.Id}}", container)).toBe(idBefore);
        expect(dockerObjectsOfStack(name15)).toEqual(objectsBefore);
        const [row] = await query(memberUri(out15.members[0], out15), "SELECT version() AS v, current_setting('data_directory') AS d");
        expect(row.v).toMatch(/^PostgreSQL 15\./);
        expect(row.d).toBe("/var/lib/postgresql/data/pg15");
    })());

    it("refuses 15 -> 17 taken from the default on a live 15 stack whose state predates postgresVersion, and touches nothing", () => refuseOn15());

    it("destroys everything it created (both stacks, side by side)", async () => {
        await refusalOn15?.catch(() => undefined); // never beside a preview or up of the 15 stack
        const downs = await Promise.all([stack!.destroy(quiet), stack15!.destroy(quiet)]);
        expect(downs.map((d) => d.summary.result)).toEqual(["succeeded", "succeeded"]);
        expect(dockerObjectsOfStack(name)).toEqual({ containers: [], networks: [], volumes: [] });
        expect(dockerObjectsOfStack(name15)).toEqual({ containers: [], networks: [], volumes: [] });
    });
});
