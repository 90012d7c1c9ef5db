// `pgscale doctor` against a live HA cluster, healthy and broken on purpose: a pool of one
// server connection with clients queueing, a query that cannot prune, a stopped replica.
// One stack for the file; the destructive step (stopping a replica) runs last.
import { Stack } from "@pulumi/pulumi/automation";
import { libpqCompatible } from "@pgscale/core";
import { destroyAndRemove, docker, fixtureStack, plainOutputs, uniqueStackName } from "../support/stack";
import { Pool, asSuperuser, eventually, query } from "../support/pg";
import { leaderName, patroniCliArgs } from "../support/patroni";
import { pgscaleCli } from "../support/cli";

jest.setTimeout(15 * 60 * 1000);

interface Outputs {
    primaryUri: string;
    replicaUri: string;
    poolerUri: string;
    poolerAdminUri: string;
    superuserPassword: string;
    members: Array<{ name: string; container: string; restUrl: string; pgPort: number }>;
}

interface Finding {
    severity: "ok" | "warning" | "critical";
    area: string;
    check: string;
    detail: string;
    fix?: string;
}

interface Report {
    status: Finding["severity"];
    counts: Record<Finding["severity"], number>;
    findings: Finding[];
}

describe("pgscale doctor on a live cluster", () => {
    const name = uniqueStackName("doctor");
    let stack: Stack | undefined;
    let out: Outputs;
    /** The primary through HAProxy as the superuser, in the application database. */
    let superuser: string;

    const patroniUrls = () => patroniCliArgs(out.members.map((m) => m.restUrl));
    async function doctor(...argv: string[]): Promise<{ code: number; report: Report }> {
        const r = await pgscaleCli("doctor", ...argv, "--json");
        expect(r.stderr).toBe("");
        return { code: r.code, report: JSON.parse(r.stdout) as Report };
    }
    const findingsOf = (report: Report, check: string) => report.findings.filter((f) => f.check === check);
    const notOk = (report: Report) => report.findings.filter((f) => f.severity !== "ok");

    beforeAll(async () => {
        // A pool of one server connection: three concurrent clients are enough to queue.
        stack = await fixtureStack("ops", name, { defaultPoolSize: { value: "1" } });
        const res = await stack.up({ onOutput: () => undefined });
        expect(res.summary.result).toBe("succeeded");
        out = plainOutputs(res.outputs) as Outputs;
        superuser = asSuperuser(out.primaryUri, out.superuserPassword, "appdb");
        await eventually(async () => {
            const [r] = await query(superuser, "SELECT count(*) AS n FROM pg_stat_replication WHERE state = 'streaming'");
            return Number(r.n) === 2;
        }, 60000, "2 replicas streaming");
        // The playbook's range-partitioned events table, created by SQL.
        await query(out.primaryUri, `CREATE TABLE events (
            id bigint GENERATED ALWAYS AS IDENTITY, event_type text NOT NULL, data jsonb,
            created_at timestamptz NOT NULL DEFAULT now()) PARTITION BY RANGE (created_at)`);
        for (const [q, from, to] of [["q1", "2024-01-01", "2024-04-01"], ["q2", "2024-04-01", "2024-07-01"], ["q3", "2024-07-01", "2024-10-01"]]) {
            await query(out.primaryUri, `CREATE TABLE events_2024_${q} PARTITION OF events FOR VALUES FROM ('${from}') TO ('${to}')`);
        }
        await query(out.primaryUri, "CREATE TABLE events_default PARTITION OF events DEFAULT");
        await query(out.primaryUri, "INSERT INTO events (event_type, created_at) SELECT 'click', '2024-01-01'::timestamptz + i * interval '1 hour' FROM generate_series(0, 5000) i");
    });
    afterAll(async () => destroyAndRemove(stack));

    it("healthy: every check ok, exit 0", async () => {
        const { code, report } = await doctor(
            "--primary-uri", superuser, "--replica-uri", out.replicaUri, "--pooler-admin-uri", out.poolerAdminUri, ...patroniUrls(),
            "--query", "SELECT count(*) FROM events WHERE created_at >= '2024-02-01' AND created_at < '2024-03-01'",
        );
        expect(notOk(report)).toEqual([]);
        expect(code).toBe(0);
        expect(report.status).toBe("ok");
        expect(findingsOf(report, "connections.primary")[0].detail).toMatch(/^connected as postgres to PostgreSQL 17/);
        expect(findingsOf(report, "connections.usage")[0].detail).toMatch(/^\d+ of 97 usable connections in use/);
        expect(findingsOf(report, "replication.replicas")[0].detail).toMatch(/^2 of 2 expected replicas streaming: pg-\d, pg-\d$/);
        expect(findingsOf(report, "replication.lag")).toHaveLength(2);
        expect(findingsOf(report, "replication.replica_side")[0].detail).toMatch(/^received \S+, replayed \S+: /);
        expect(findingsOf(report, "patroni.leader")[0].detail).toMatch(/^leader pg-\d on timeline \d+, 3 members$/);
        expect(findingsOf(report, "partitions.query")[0].detail).toBe("events: pruned to 1 of 4 partitions (events_2024_q1)");
        // PgBouncerPool's defaults as PgBouncer reports them (SHOW CONFIG), and the server's.
        expect(findingsOf(report, "connections.timeouts")[0].detail).toBe(
            "PostgreSQL: statement_timeout none, idle_in_transaction_session_timeout none, idle_session_timeout none, tcp_keepalives_idle system default; " +
            "PgBouncer: query_timeout none, query_wait_timeout 120 s, idle_transaction_timeout none, client_idle_timeout none, " +
            "server_idle_timeout 600 s, server_lifetime 3600 s, server_connect_timeout 15 s");

        const text = await pgscaleCli("doctor", "--primary-uri", superuser, "--pooler-admin-uri", out.poolerAdminUri);
        expect(text.code).toBe(0);
        expect(text.stdout).toMatch(/^pgscale doctor: ok \(0 critical, 0 warning, \d+ ok\)\n\nConnection issues\n {2}ok {8}connections\.primary/);
    });

    it("--threshold moves a line: connections.usage warns from 1% of the slots", async () => {
        const { code, report } = await doctor("--primary-uri", superuser, "--threshold", "connectionsWarnRatio=0.01");
        expect(findingsOf(report, "connections.usage")[0]).toMatchObject({ severity: "warning", detail: expect.stringMatching(/^\d+ of 97 usable connections in use/) });
        expect(code).toBe(0);
    });

    it("a session left idle in transaction with no timeout to end it: connections.timeouts warns", async () => {
        const app = new Pool({ connectionString: libpqCompatible(out.primaryUri), max: 1 });
        const session = await app.connect();
        try {
            await session.query("BEGIN");
            await session.query("SELECT count(*) FROM events");
            const { code, report } = await doctor("--primary-uri", superuser);
            expect(findingsOf(report, "connections.timeouts")[0]).toMatchObject({
                severity: "warning",
                detail: expect.stringMatching(/^1 session\(s\) idle in transaction and no timeout ends them \(PostgreSQL: /),
                fix: expect.stringMatching(/^Set idle_in_transaction_session_timeout/),
            });
            expect(code).toBe(0);
        } finally {
            await session.query("ROLLBACK");
            session.release();
            await app.end();
        }
    });

    it("a role without pg_monitor: a finding says what it cannot see, and nothing crashes", async () => {
        // The cluster's owner role has pg_monitor; a plain login role has not.
        await query(superuser, "CREATE ROLE plain LOGIN PASSWORD 'plain-doctor-e2e'");
        await query(superuser, "GRANT CONNECT ON DATABASE appdb TO plain");
        const plain = new URL(out.primaryUri);
        plain.username = "plain";
        plain.password = "plain-doctor-e2e";
        const { code, report } = await doctor("--primary-uri", plain.toString());
        expect(code).toBe(0);
        const [privilege] = findingsOf(report, "replication.privilege");
        expect(privilege).toMatchObject({ severity: "warning", detail: expect.stringMatching(/^role plain lacks the privilege/), fix: expect.stringMatching(/GRANT pg_monitor/) });
        expect(findingsOf(report, "replication.replicas")[0]).toMatchObject({ severity: "ok", detail: expect.stringMatching(/^2 of 2 expected replicas connected \(state hidden\)/) });
        expect(findingsOf(report, "replication.lag")).toEqual([]);
        expect(findingsOf(report, "connections.usage")[0].detail).toMatch(/estimated/);
    });

    it("a pool too small for its clients: waiting clients, pool saturated", async () => {
        const clients = new Pool({ connectionString: libpqCompatible(out.poolerUri), max: 6 });
        clients.on("error", () => undefined);
        const sleeping = Promise.all(Array.from({ length: 6 }, () => clients.query("SELECT pg_sleep(2)")));
        try {
            const queued = await eventually(async () => {
                const pools = await query(out.poolerAdminUri, "SHOW POOLS");
                const app = pools.find((p) => p.database === "appdb");
                // The server connection must be busy, not still logging in: the very first sample
                // can catch every client queued behind a cold pool's login, a different finding.
                return Number(app?.cl_waiting ?? 0) >= 3 && Number(app?.sv_active ?? 0) >= 1 ? app : undefined;
            }, 15000, "clients queueing in PgBouncer behind a busy server connection", 100);
            const { code, report } = await doctor("--primary-uri", superuser, "--pooler-admin-uri", out.poolerAdminUri);
            const [pool] = findingsOf(report, "pooler.pool");
            expect({ queued: Number(queued.cl_waiting), detail: pool.detail }).toEqual({
                queued: expect.any(Number),
                detail: expect.stringMatching(/^appdb\/app: pool saturated: [2-5] clients waiting for a server connection, the oldest for [\d.]+ m?s; 1 of 1 server connections busy$/),
            });
            expect(pool.severity).toBe("warning"); // critical only once the oldest waited 10 s
            expect(pool.fix).toMatch(/^Raise default_pool_size \(PgBouncerPool defaultPoolSize, now 1\)/);
            expect(pool.fix).toMatch(/query_wait_timeout \(120 s\)/);
            expect(code).toBe(0);
        } finally {
            await sleeping;
            await clients.end();
        }
    });

    it("partition pruning: a WHERE on a non-key column, or on a function of the key, is partition not used", async () => {
        for (const sql of ["SELECT * FROM events WHERE event_type = 'click'", "SELECT * FROM events WHERE date_trunc('day', created_at) = '2024-02-01'"]) {
            const { code, report } = await doctor("--primary-uri", out.primaryUri, "--query", sql);
            expect(code).toBe(0);
            const [f] = findingsOf(report, "partitions.query");
            expect(f.severity).toBe("warning");
            expect(f.detail).toBe("events: partition not used: the plan scans all 4 partitions (events_2024_q1, events_2024_q2, events_2024_q3, events_default); partition key RANGE (created_at)");
            expect(f.fix).toMatch(/constrain created_at with constants/);
        }
        // Pruned at executor startup (now() is stable): only the default partition is left.
        const { report } = await doctor("--primary-uri", out.primaryUri, "--query", "SELECT * FROM events WHERE created_at > now() - interval '1 day'");
        expect(findingsOf(report, "partitions.query")[0]).toMatchObject({ severity: "ok", detail: "events: pruned to 1 of 4 partitions (events_default)" });
    });

    it("partition pruning turned off for the role: the setting is the finding and the fix", async () => {
        await query(superuser, "ALTER ROLE app SET enable_partition_pruning = off");
        try {
            const { report } = await doctor("--primary-uri", out.primaryUri, "--query", "SELECT * FROM events WHERE created_at = '2024-02-01'");
            expect(findingsOf(report, "partitions.pruning_setting")[0]).toMatchObject({ severity: "warning", detail: expect.stringMatching(/^enable_partition_pruning = off/) });
            expect(findingsOf(report, "partitions.query")[0]).toMatchObject({ severity: "warning", fix: expect.stringMatching(/^enable_partition_pruning is off/) });
        } finally {
            await query(superuser, "ALTER ROLE app RESET enable_partition_pruning");
        }
    });

    it("--query runs one statement, read-only, and never executes it", async () => {
        const { report } = await doctor("--primary-uri", superuser, "--query", "SELECT 1; DROP TABLE events");
        expect(findingsOf(report, "partitions.query")[0]).toMatchObject({ severity: "warning", detail: expect.stringMatching(/^could not EXPLAIN the query: cannot insert multiple commands/) });
        await doctor("--primary-uri", superuser, "--query", "DELETE FROM events");
        const [r] = await query(out.primaryUri, "SELECT count(*) AS n FROM events");
        expect(Number(r.n)).toBe(5001);
    });

    it("a stopped replica: a replication finding names it", async () => {
        const leader = await leaderName(out.members.map((m) => m.restUrl));
        const victim = out.members.find((m) => m.name !== leader)!;
        docker("stop", victim.container);
        try {
            const report = await eventually<Report | undefined>(async () => {
                const { code, report } = await doctor("--primary-uri", superuser, ...patroniUrls());
                expect(code).toBe(0); // one replica left: degraded, not down
                return findingsOf(report, "replication.replicas")[0].severity !== "ok" ? report : undefined;
            }, 30000, "a replication finding", 1000) as Report;
            const [replicas] = findingsOf(report, "replication.replicas");
            expect(replicas.severity).toBe("warning");
            expect(replicas.detail).toMatch(new RegExp(`^1 of 2 expected replicas streaming; not streaming: .*(${victim.name}|${victim.restUrl})`));
            expect(replicas.fix).toMatch(/Verify the WAL sender is active/);
            expect(findingsOf(report, "patroni.endpoint")[0]).toMatchObject({ severity: "warning", detail: expect.stringContaining(victim.restUrl) });
        } finally {
            docker("start", victim.container);
        }
    });
});
