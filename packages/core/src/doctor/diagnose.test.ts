import { diagnose } from "./diagnose";
import { ConnectionFacts, DoctorFacts, ReplicaStat } from "./facts";

const replica = (name: string, over: Partial<ReplicaStat> = {}): ReplicaStat => ({
    name, clientAddr: "10.0.0.2", state: "streaming", syncState: "async",
    unsentBytes: 0, unflushedBytes: 0, unreplayedBytes: 0, totalLagBytes: 0,
    writeLagSeconds: 0.001, flushLagSeconds: 0.001, replayLagSeconds: 0.001, ...over,
});

/** A healthy 3-node cluster with PgBouncer, seen by a superuser, with a query that prunes. */
function healthy(): DoctorFacts {
    return {
        primary: { ok: true, value: { serverVersion: "15.8", role: "postgres", privileged: true, inRecovery: false } },
        connections: { ok: true, value: { clientBackends: 5, states: { active: 1, idle: 4 }, maxConnections: 100, superuserReservedConnections: 3, timeouts: { statement_timeout: 0, idle_in_transaction_session_timeout: 0, idle_session_timeout: 0, tcp_keepalives_idle: 0 } } },
        replication: {
            ok: true,
            value: {
                replicas: [replica("pg-1"), replica("pg-2")],
                slots: [{ name: "pg_1", active: true, retainedBytes: 0 }, { name: "pg_2", active: true, retainedBytes: 0 }],
            },
        },
        partitionSettings: { ok: true, value: { enablePartitionPruning: "on", constraintExclusion: "partition" } },
        query: {
            ok: true,
            value: {
                sql: "SELECT * FROM events WHERE created_at = '2024-02-01'",
                plan: [{ Plan: { "Node Type": "Seq Scan", "Relation Name": "events_2024_q1", Schema: "public" } }],
                partitionedTables: [{ name: "public.events", key: "RANGE (created_at)", leaves: ["public.events_2024_q1", "public.events_2024_q2", "public.events_default"] }],
            },
        },
        pooler: {
            ok: true,
            value: {
                pools: [{ database: "appdb", user: "app", clientsActive: 2, clientsWaiting: 0, serversActive: 1, serversIdle: 3, serversUsed: 0, serversTested: 0, serversLogin: 0, maxWaitSeconds: 0, poolMode: "transaction" }],
                databases: [{ name: "appdb", poolSize: 20, reservePool: 0, paused: false, disabled: false }],
                stats: [{ database: "appdb", avgWaitMicros: 20, avgQueryMicros: 900, totalXactCount: 1000 }],
                timeouts: { query_timeout: 0, query_wait_timeout: 120, server_idle_timeout: 600 },
            },
        },
        replica: { ok: true, value: { inRecovery: true, receiveLsn: "0/3000060", replayLsn: "0/3000060", replayGapBytes: 0, lastReplayAgeSeconds: 600 } },
        patroni: {
            endpoints: ["http://127.0.0.1:1", "http://127.0.0.1:2", "http://127.0.0.1:3"].map((url) => ({ url, reachable: true })),
            members: [
                { name: "pg-0", role: "leader", state: "running", timeline: 1 },
                { name: "pg-1", role: "replica", state: "running", timeline: 1, lag: 0 },
                { name: "pg-2", role: "replica", state: "running", timeline: 1, lag: 0 },
            ],
        },
    };
}

describe("diagnose", () => {
    test("with --backup-container, backup status's findings as the backups area, last; a failure to read them is a warning", () => {
        const drill = { severity: "critical" as const, check: "backup.drill", detail: "the last scheduled drill ... but objectives.restoreSeconds: ...", fix: "..." };
        const report = diagnose({ ...healthy(), backup: { ok: true, value: { status: "critical", counts: { ok: 1, warning: 0, critical: 1 },
            findings: [{ severity: "ok", check: "backup.repository", detail: "stanza pg: ok" }, drill] } } });
        expect(report.status).toBe("critical");
        expect(report.findings.slice(-2)).toEqual([{ severity: "ok", area: "backups", check: "backup.repository", detail: "stanza pg: ok" }, { ...drill, area: "backups" }]);
        const unread = diagnose({ ...healthy(), backup: { ok: false, error: "needs @pgscale/docker" } });
        expect(unread.findings.at(-1)).toMatchObject({ severity: "warning", area: "backups", check: "backup.repository", detail: "the members' backups could not be read: needs @pgscale/docker" });
        expect(diagnose(healthy()).findings.some((f) => f.area === "backups")).toBe(false);
    });

    test("a healthy deployment: every check ok, ordered by the decision tree", () => {
        const report = diagnose(healthy());
        expect(report.status).toBe("ok");
        expect(report.counts).toEqual({ ok: report.findings.length, warning: 0, critical: 0 });
        expect(report.findings.every((f) => f.fix === undefined)).toBe(true);
        const areas = report.findings.map((f) => f.area);
        expect(areas).toEqual([...areas].sort((a, b) => ["connections", "replication", "partitions"].indexOf(a) - ["connections", "replication", "partitions"].indexOf(b)));
        expect(report.findings.map((f) => f.check)).toEqual([
            "connections.primary", "connections.usage", "pooler.pool", "pooler.wait_time", "connections.timeouts",
            "replication.replicas", "replication.lag", "replication.lag", "replication.replica_side", "patroni.leader",
            "partitions.pruning_setting", "partitions.constraint_exclusion", "partitions.query",
        ]);
        expect(report.findings.find((f) => f.check === "partitions.query")!.detail).toBe("events: pruned to 1 of 3 partitions (events_2024_q1)");
        expect(report.findings.find((f) => f.check === "connections.timeouts")!.detail).toBe(
            "PostgreSQL: statement_timeout none, idle_in_transaction_session_timeout none, idle_session_timeout none, tcp_keepalives_idle system default; " +
            "PgBouncer: query_timeout none, query_wait_timeout 120 s, server_idle_timeout 600 s");
    });

    test("an unreachable primary is critical and nothing else about it is claimed", () => {
        const report = diagnose({ primary: { ok: false, error: "connect ECONNREFUSED 127.0.0.1:5000", code: "ECONNREFUSED" } });
        expect(report.status).toBe("critical");
        expect(report.findings).toHaveLength(1);
        expect(report.findings[0]).toMatchObject({ check: "connections.primary", severity: "critical", fix: expect.stringContaining("HAProxy") });
    });

    test("too many connections at connect time: the fix is a pooler (SQLSTATE 53300)", () => {
        const report = diagnose({ primary: { ok: false, error: "sorry, too many clients already", code: "53300" } });
        expect(report.findings[0].fix).toMatch(/pooler/i);
    });

    test("a refused login points at the role, not at the network", () => {
        const report = diagnose({ primary: { ok: false, error: 'permission denied for database "appdb"', code: "42501" } });
        expect(report.findings[0].fix).toMatch(/CONNECT privilege/);
    });

    test("the status is the worst finding and counts add up", () => {
        const facts = healthy();
        facts.pooler = { ok: false, error: "connect ECONNREFUSED 127.0.0.1:6432", code: "ECONNREFUSED" };
        facts.partitionSettings = { ok: true, value: { enablePartitionPruning: "off", constraintExclusion: "partition" } };
        const report = diagnose(facts);
        expect(report.status).toBe("critical");
        expect(report.counts.critical).toBe(1);
        expect(report.counts.warning).toBe(1); // the setting; this plan still pruned
        expect(report.counts.ok + report.counts.warning + report.counts.critical).toBe(report.findings.length);
        expect(report.findings.find((f) => f.check === "pooler.reachable")).toMatchObject({ severity: "critical", fix: expect.stringContaining("PgBouncer") });
    });

    test("thresholds can be overridden", () => {
        const facts = healthy();
        facts.connections = { ok: true, value: { ...(facts.connections as { value: ConnectionFacts }).value, clientBackends: 50, states: {} } };
        expect(diagnose(facts).status).toBe("ok");
        expect(diagnose(facts, { connectionsWarnRatio: 0.5 }).status).toBe("warning");
    });
});
