// Observability on Docker through `pulumi up`: a 3-node PatroniCluster and a PgBouncerPool with
// monitoring, their router, and a Prometheus that finds every target by its labels. The alerts are
// caused for real (a stopped replica, waiting clients, rows in a default partition, a killed
// primary) and each is timed from its cause to "firing".
import * as fs from "fs";
import { spawnSync } from "child_process";
import { Stack } from "@pulumi/pulumi/automation";
import { destroyAndRemove, docker, dockerObjectsOfStack, fixtureStack, plainOutputs, uniqueStackName } from "../support/stack";
import { Client, asSuperuser, eventually, query } from "../support/pg";
import { clusterMembers, leaderName, patroniCliArgs } from "../support/patroni";
import { pgscaleCli } from "../support/cli";
import { ALERT_NAMES, BACKUP_DRILL_METRICS, BACKUP_SCHEDULER_METRICS, DEFAULT_IMAGES, isLeaderRole, libpqCompatible, PGSCALE_QUERY_METRICS, RULE_EXTERNAL_METRICS, dashboardQueries } from "@pgscale/core";

jest.setTimeout(10 * 60 * 1000);

interface Outputs {
    prometheusUrl: string; alertmanagerUrl: string; network: string; backupVolume: string; primaryUri: string; poolUri: string; superuserPassword: string;
    members: { name: string; container: string; restUrl: string }[]; exporters: string[]; poolExporter: string; poolAdminUri: string;
}

async function api<T = any>(base: string, path: string): Promise<T> {
    const res = await fetch(`${base}${path}`, { signal: AbortSignal.timeout(5000) });
    if (!res.ok) throw new Error(`${path}: HTTP ${res.status}`);
    const body = (await res.json()) as { status: string; data: T };
    return body.data;
}

interface Alert { labels: Record<string, string>; state: "pending" | "firing"; activeAt: string }

/** The suite's alert durations (config `alerts`): short, so each alert is seen within seconds. */
const FOR_SECONDS = 5;
const ALERTS = {
    memberDownFor: `${FOR_SECONDS}s`, replicaNotStreamingFor: `${FOR_SECONDS}s`, poolClientsWaitingFor: `${FOR_SECONDS}s`,
    defaultPartitionRowsFor: `${FOR_SECONDS}s`, noPrimaryFor: `${FOR_SECONDS}s`, backupFailingFor: `${FOR_SECONDS}s`,
    drillOverObjectiveFor: `${FOR_SECONDS}s`,
};

/**
 * A webhook receiver on the stack network (alias `hook`, as the Alertmanager's webhookUrls say):
 * python3 of the Patroni image printing each POST body on a line, read back with `docker logs`.
 */
const HOOK_SERVER = [
    "import http.server, sys",
    "class H(http.server.BaseHTTPRequestHandler):",
    "    def do_POST(self):",
    "        body = self.rfile.read(int(self.headers['Content-Length']))",
    "        sys.stdout.write(body.decode().replace(chr(10), ' ') + chr(10)); sys.stdout.flush()",
    "        self.send_response(200); self.end_headers()",
    "    def log_message(self, *a): pass",
    "http.server.HTTPServer(('', 8080), H).serve_forever()",
].join("\n");
interface Notification { status: "firing" | "resolved"; alerts: { status: string; labels: Record<string, string> }[] }
const SCRAPE_SECONDS = 2;
/** An alert fires within its `for` plus two scrape intervals and one evaluation of its cause, plus 2 s of slack for a loaded 2-core machine. */
const FIRE_WITHIN_SECONDS = FOR_SECONDS + 2 * SCRAPE_SECONDS + 1 + 2;

interface Target { labels: Record<string, string>; health: string; lastError: string; scrapeUrl: string }

describe("monitoring: exporters, discovery by labels and alerts, with real Prometheus", () => {
    const name = uniqueStackName("monitoring");
    let stack: Stack | undefined;
    let out: Outputs;
    let hook: string | undefined;
    const quiet = { onOutput: () => undefined };

    beforeAll(async () => {
        stack = await fixtureStack("monitoring", name, { alerts: { value: JSON.stringify(ALERTS) } });
        const res = await stack.up(quiet);
        out = plainOutputs(res.outputs) as Outputs;
        hook = `${name}-hook`;
        docker("run", "-d", "--name", hook, "--network", out.network, "--network-alias", "hook", "--user", "postgres", "--cap-drop", "ALL",
            "--label", `pgscale.stack=${name}-test`, DEFAULT_IMAGES["patroni-17"], "python3", "-c", HOOK_SERVER);
        // A partitioned table with a default partition, so the partition metrics have a row (the
        // runway query is cached for a minute: the metrics test runs late).
        await query(out.primaryUri, `CREATE TABLE events (at timestamptz NOT NULL, v int) PARTITION BY RANGE (at);
            CREATE TABLE events_now PARTITION OF events FOR VALUES FROM (date_trunc('day', now())) TO (date_trunc('day', now()) + interval '1 day');
            CREATE TABLE events_default PARTITION OF events DEFAULT`);
    });
    /** Seconds from `since` until `alertname` (matching `match`) fires. */
    async function firing(alertname: string, match: (a: Alert) => boolean, since: number, timeoutMs = 60_000): Promise<{ seconds: number; alerts: Alert[] }> {
        const alerts = await eventually(async () => {
            const all = (await api<{ alerts: Alert[] }>(out.prometheusUrl, "/api/v1/alerts")).alerts;
            const mine = all.filter((a) => a.labels.alertname === alertname && a.state === "firing" && match(a));
            return mine.length ? mine : undefined;
        }, timeoutMs, `${alertname} firing`, 200);
        return { seconds: (Date.now() - since) / 1000, alerts: alerts as Alert[] };
    }
    async function resolved(alertname: string, timeoutMs = 120_000): Promise<void> {
        await eventually(async () => {
            const all = (await api<{ alerts: Alert[] }>(out.prometheusUrl, "/api/v1/alerts")).alerts;
            return !all.some((a) => a.labels.alertname === alertname);
        }, timeoutMs, `${alertname} resolved`, 500);
    }
    const superuser = () => asSuperuser(out.primaryUri, out.superuserPassword);

    /** What the webhook has received so far. */
    const notifications = (): Notification[] => docker("logs", hook!).split("\n").filter((l) => l.startsWith("{")).map((l) => JSON.parse(l));
    async function notified(alertname: string, status: "firing" | "resolved", timeoutMs = 30_000): Promise<void> {
        await eventually(async () => notifications().some((n) => n.alerts.some((a) => a.labels.alertname === alertname && a.status === status)),
            timeoutMs, `${alertname} ${status} posted to the webhook`, 250);
    }

    afterAll(async () => {
        if (process.env.KEEP_STACK) return;
        // The receiver is on the stack's network: off it before the network goes.
        if (hook) spawnSync("docker", ["rm", "-f", hook]);
        try {
            await destroyAndRemove(stack);
        } finally {
            // The repository outlives its cluster by design; the test's is removed with it.
            for (const v of dockerObjectsOfStack(name).volumes) spawnSync("docker", ["volume", "rm", v]);
        }
    });

    it("finds every target of the stack by its labels, and each is up", async () => {
        const want = [
            ...out.members.map((m) => `patroni/pg/${m.name}`),
            ...out.members.map((m) => `postgres/pg/${m.name}`),
            ...out.members.map((m) => `backup/pg/${m.name}`),
            "haproxy/pg-router/", "pgbouncer/pool/",
        ].sort();
        const seen = await eventually(async () => {
            const t = (await api<{ activeTargets: Target[] }>(out.prometheusUrl, "/api/v1/targets?state=active")).activeTargets;
            const ids = t.map((x) => `${x.labels.job}/${x.labels.cluster}/${x.labels.member ?? ""}`).sort();
            return JSON.stringify(ids) === JSON.stringify(want) && t.every((x) => x.health === "up") ? t : undefined;
        }, 60_000, "every target discovered and up").catch(async (e) => {
            const t = (await api<{ activeTargets: Target[] }>(out.prometheusUrl, "/api/v1/targets?state=active")).activeTargets;
            throw new Error(`${e.message}\n${JSON.stringify(t.map((x) => [x.labels, x.health, x.lastError, x.scrapeUrl]), null, 1)}`);
        });
        expect(seen).toHaveLength(want.length);
    });

    it("runs every monitoring container as a non-root user with no capabilities; the proxy reads the socket through its group", () => {
        const prefix = out.members[0].container.replace(/-pg-0$/, "");
        const names = [...out.exporters, out.poolExporter, `${prefix}-prom`, `${prefix}-prom-discovery`, `${prefix}-am`];
        for (const c of names) {
            const info = JSON.parse(docker("inspect", c))[0];
            expect({ c, user: info.Config.User, capDrop: info.HostConfig.CapDrop, capAdd: info.HostConfig.CapAdd ?? [] })
                .toEqual({ c, user: expect.stringMatching(/^(prometheus|haproxy)$/), capDrop: ["ALL"], capAdd: [] });
            const uids = docker("top", c, "-o", "pid,uid").split("\n").slice(1).map((l) => Number(l.trim().split(/\s+/)[1]));
            expect(uids.length).toBeGreaterThan(0);
            expect({ c, rootProcesses: uids.filter((u) => u === 0).length }).toEqual({ c, rootProcesses: 0 });
        }
        const proxy = JSON.parse(docker("inspect", `${prefix}-prom-discovery`))[0];
        expect(proxy.HostConfig.GroupAdd).toEqual([String(fs.statSync("/var/run/docker.sock").gid)]);
        expect(proxy.Mounts).toEqual([expect.objectContaining({ Source: "/var/run/docker.sock", RW: false })]);
    });

    it("the discovery proxy lets Prometheus list containers and nothing else", async () => {
        const prom = `${out.members[0].container.replace(/-pg-0$/, "")}-prom`;
        const status = (method: string, path: string) =>
            docker("exec", prom, "curl", "-s", "-o", "/dev/null", "-w", "%{http_code}", "-X", method, `http://prom-discovery:2375${path}`);
        expect(status("GET", "/v1.41/containers/json")).toBe("200");
        expect(status("GET", "/_ping")).toBe("200");
        expect(status("GET", `/v1.41/containers/${out.members[0].container}/json`)).toBe("403");
        expect(status("POST", "/v1.41/containers/create")).toBe("403");
        expect(status("DELETE", `/v1.41/containers/${out.members[0].container}`)).toBe("403");
        expect(status("POST", `/v1.41/containers/${out.members[0].container}/exec`)).toBe("403");
    });

    it("rows in a default partition fire PgscaleRowsInDefaultPartition", async () => {
        const since = Date.now();
        await query(out.primaryUri, "INSERT INTO events VALUES (now() + interval '10 days', 1), (now() + interval '11 days', 2)");
        const { seconds, alerts } = await firing("PgscaleRowsInDefaultPartition", (a) => a.labels.table === "events", since);
        console.log(`PgscaleRowsInDefaultPartition fired ${seconds.toFixed(1)} s after the insert`);
        expect(alerts[0].labels).toMatchObject({ cluster: "pg", schema: "public", table: "events" });
        expect(seconds).toBeLessThanOrEqual(FIRE_WITHIN_SECONDS);
        // Prometheus hands it to the Alertmanager, which posts it to the webhook, and the resolution too.
        await notified("PgscaleRowsInDefaultPartition", "firing");
        const am = (await (await fetch(`${out.alertmanagerUrl}/api/v2/alerts`)).json()) as { labels: Record<string, string> }[];
        expect(am.map((a) => a.labels.alertname)).toContain("PgscaleRowsInDefaultPartition");
        console.log(`PgscaleRowsInDefaultPartition posted to the webhook ${((Date.now() - since) / 1000).toFixed(1)} s after the insert`);
        const deleted = Date.now();
        await query(out.primaryUri, "DELETE FROM events_default");
        await notified("PgscaleRowsInDefaultPartition", "resolved");
        console.log(`its resolution posted ${((Date.now() - deleted) / 1000).toFixed(1)} s after the rows left`);
    });

    it("clients waiting on a pool of 5 fire PgscalePoolClientsWaiting", async () => {
        const clients = Array.from({ length: 20 }, () => new Client({ connectionString: libpqCompatible(out.poolUri), connectionTimeoutMillis: 10_000 }));
        // Their sessions are terminated at the end: the pooler's FATAL arrives as an 'error' event.
        clients.forEach((c) => c.on("error", () => undefined));
        await Promise.all(clients.map((c) => c.connect()));
        const since = Date.now();
        const sleeping = clients.map((c) => c.query("SELECT pg_sleep(25)").catch(() => undefined));
        try {
            const { seconds, alerts } = await firing("PgscalePoolClientsWaiting", () => true, since);
            console.log(`PgscalePoolClientsWaiting fired ${seconds.toFixed(1)} s after 20 clients queried a pool of 5`);
            expect(alerts[0].labels).toMatchObject({ cluster: "pool", database: "appdb", job: "pgbouncer" });
            expect(seconds).toBeLessThanOrEqual(FIRE_WITHIN_SECONDS);
        } finally {
            // The sleeping server sessions are ended, so the suite goes on without waiting them out.
            await query(superuser(), "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE query = 'SELECT pg_sleep(25)'");
            await Promise.all(clients.map((c) => c.end().catch(() => undefined)));
            await Promise.all(sleeping);
        }
    });

    it("pgscale status --watch redraws the members and the pool's waiting clients each interval", async () => {
        const clients = Array.from({ length: 8 }, () => new Client({ connectionString: libpqCompatible(out.poolUri), connectionTimeoutMillis: 10_000 }));
        clients.forEach((c) => c.on("error", () => undefined));
        await Promise.all(clients.map((c) => c.connect()));
        const sleeping = clients.map((c) => c.query("SELECT pg_sleep(6)").catch(() => undefined));
        try {
            // Until PgBouncer holds all eight: five on the pool's servers, three waiting.
            await eventually(async () => (await query(out.poolAdminUri, "SHOW POOLS")).some((p) => p.database === "appdb" && Number(p.cl_waiting) === 3), 5000, "3 clients waiting", 100);
            const r = await pgscaleCli("status", ...patroniCliArgs(out.members.map((m) => m.restUrl)), "--pooler-uri", out.poolAdminUri,
                "--watch", "--interval", "1", "--count", "2", "--json");
            expect(r.code).toBe(0);
            const frames = r.stdout.split("\n").filter(Boolean).map((l) => JSON.parse(l));
            expect(frames).toHaveLength(2);
            for (const f of frames) {
                expect(f.members.map((m: any) => m.name).sort()).toEqual(out.members.map((m) => m.name).sort());
                expect(f.leader).toMatch(/^pg-\d$/);
            }
            const pool = frames[0].pools[0].pools.find((p: any) => p.database === "appdb");
            expect(pool).toMatchObject({ clientsActive: 5, clientsWaiting: 3 });
            expect(Date.parse(frames[1].at) - Date.parse(frames[0].at)).toBeGreaterThanOrEqual(900);
        } finally {
            await Promise.all(sleeping);
            await Promise.all(clients.map((c) => c.end().catch(() => undefined)));
        }
    });

    it("replicas that cannot reconnect fire PgscaleReplicaNotStreaming, which resolves once they stream again", async () => {
        const leader = (await leaderName(out.members.map((m) => m.restUrl)))!;
        const replicas = out.members.filter((m) => m.name !== leader).map((m) => m.name).sort();
        // The replication role refused, then its sessions cut: the replicas retry and fail, as with a rotated password.
        await query(superuser(), "ALTER ROLE replicator NOLOGIN");
        const since = Date.now();
        try {
            await query(superuser(), "SELECT pg_terminate_backend(pid) FROM pg_stat_replication");
            const { seconds, alerts } = await firing("PgscaleReplicaNotStreaming", () => true, since);
            console.log(`PgscaleReplicaNotStreaming fired ${seconds.toFixed(1)} s after the walsenders were cut`);
            expect(seconds).toBeLessThanOrEqual(FIRE_WITHIN_SECONDS);
            expect(alerts.map((a) => a.labels.member).sort()).toEqual(expect.arrayContaining([expect.stringMatching(new RegExp(`^(${replicas.join("|")})$`))]));
        } finally {
            await query(superuser(), "ALTER ROLE replicator LOGIN");
        }
        await resolved("PgscaleReplicaNotStreaming");
    });

    it("a stopped replica fires PgscaleMemberDown for that member", async () => {
        const leader = (await leaderName(out.members.map((m) => m.restUrl)))!;
        const victim = out.members.find((m) => m.name !== leader)!;
        const since = Date.now();
        docker("stop", victim.container);
        try {
            const { seconds } = await firing("PgscaleMemberDown", (a) => a.labels.member === victim.name, since);
            console.log(`PgscaleMemberDown fired ${seconds.toFixed(1)} s after docker stop of ${victim.name}`);
            // Counted from the start of `docker stop`, which waits for Patroni to stop PostgreSQL cleanly.
            expect(seconds).toBeLessThanOrEqual(FIRE_WITHIN_SECONDS + 10);
        } finally {
            docker("start", victim.container);
        }
        await resolved("PgscaleMemberDown");
    });

    it("every metric the alert rules read is in a live scrape, and every pgscale query metric", async () => {
        const names = async () => new Set(await api<string[]>(out.prometheusUrl, "/api/v1/label/__name__/values"));
        const wanted = [...new Set([...Object.values(RULE_EXTERNAL_METRICS).flat(), ...PGSCALE_QUERY_METRICS, ...BACKUP_SCHEDULER_METRICS, ...BACKUP_DRILL_METRICS])].sort();
        let missing = wanted;
        await eventually(async () => {
            const have = await names();
            missing = wanted.filter((n) => !have.has(n));
            return missing.length === 0;
        }, 60_000, "every metric scraped").catch(() => undefined);
        expect(missing).toEqual([]);
        expect(ALERT_NAMES.length).toBeGreaterThanOrEqual(13);
    });

    it("every member reports the repository's newest backup as pgBackRest does, and an unreadable repository fires PgscaleBackupFailing", async () => {
        const leader = (await leaderName(out.members.map((m) => m.restUrl)))!;
        const primary = out.members.find((m) => m.name === leader)!;
        // The first full backup, as pgBackRest lists it.
        const info = await eventually(async () => {
            const doc = JSON.parse(docker("exec", primary.container, "pgbackrest", "--stanza=pg", "--output=json", "info"));
            const full = doc[0]?.backup?.filter((b: any) => b.type === "full") ?? [];
            return full.length ? full : undefined;
        }, 90_000, "the first full backup", 1000);
        const stop = Math.max(...info.map((b: any) => b.timestamp.stop));
        const started = Date.now();
        const series = await eventually(async () => {
            const r = await api<{ result: { metric: Record<string, string>; value: [number, string] }[] }>(out.prometheusUrl,
                `/api/v1/query?query=${encodeURIComponent('pgscale_backup_last_completed_timestamp_seconds{kind="full"}')}`);
            return r.result.length === out.members.length && r.result.every((x) => Number(x.value[1]) === stop) ? r.result : undefined;
        }, 60_000, "every member reporting the full backup");
        console.log(`every member reported the full backup ${((Date.now() - started) / 1000).toFixed(1)} s after pgBackRest listed it`);
        expect(series!.map((x) => x.metric.member).sort()).toEqual(out.members.map((m) => m.name).sort());
        // Exactly one member acts, and it is the one the schedulers' rule names from the live view:
        // the first streaming replica by name, else the primary (a replica the previous tests stopped
        // or cut off may still be catching up, so the expected member is read, not assumed).
        const expected = async () => {
            const members = await clusterMembers(primary.restUrl);
            const streaming = members.filter((m) => !isLeaderRole(m.role) && m.state === "streaming").map((m) => m.name).sort();
            return streaming[0] ?? leader;
        };
        let actingNames: string[] = [];
        let wanted = "";
        await eventually(async () => {
            wanted = await expected();
            const acting = await api<{ result: { metric: Record<string, string>; value: [number, string] }[] }>(out.prometheusUrl,
                `/api/v1/query?query=${encodeURIComponent("pgscale_backup_scheduler_acting == 1")}`);
            actingNames = acting.result.map((x) => x.metric.member);
            return actingNames.length === 1 && actingNames[0] === wanted;
        }, 60_000, "one acting scheduler, the one the rule names").catch(() => undefined);
        expect(actingNames).toEqual([wanted]);
        const actor = out.members.find((m) => m.name === wanted)!;

        // The scheduled drill ran in the acting member after the first full backup; every member
        // reports the record it keeps in etcd, and its missed restore objective (0.5 s) fires.
        const drill = await eventually(async () => {
            const r = await api<{ result: { metric: Record<string, string>; value: [number, string] }[] }>(out.prometheusUrl,
                `/api/v1/query?query=${encodeURIComponent("pgscale_backup_drill_restore_seconds")}`);
            return r.result.length === out.members.length ? r.result : undefined;
        }, 60_000, "every member reporting the drill");
        const restoreSeconds = new Set(drill!.map((x) => x.value[1]));
        expect(restoreSeconds.size).toBe(1);
        console.log(`the scheduled drill restored in ${[...restoreSeconds][0]} s (every member reports it)`);
        const over = await firing("PgscaleRestoreDrillOverObjective", (a) => a.labels.cluster === "pg", Date.now(), 30_000);
        expect(over.alerts.map((a) => [a.labels.objective, a.labels.severity])).toEqual([["restore", "warning"]]);

        // The repository unreadable (as its owner, postgres) where the acting scheduler looks: its next look fails.
        const since = Date.now();
        docker("exec", actor.container, "chmod", "000", "/var/lib/pgbackrest");
        try {
            const { seconds, alerts } = await firing("PgscaleBackupFailing", (a) => a.labels.cluster === "pg", since, 90_000);
            console.log(`PgscaleBackupFailing fired ${seconds.toFixed(1)} s after the repository became unreadable on the acting member ${wanted} (the scheduler looks every 3 s)`);
            expect(alerts[0].labels.severity).toBe("warning");
        } finally {
            docker("exec", actor.container, "chmod", "750", "/var/lib/pgbackrest");
        }
        const readable = Date.now();
        await resolved("PgscaleBackupFailing", 90_000);
        console.log(`PgscaleBackupFailing resolved ${((Date.now() - readable) / 1000).toFixed(1)} s after the repository became readable again`);
    });

    it("every query of the Grafana dashboard parses and returns series from the live Prometheus", async () => {
        const empty: string[] = [];
        for (const expr of dashboardQueries()) {
            const q = expr.replace(/\$cluster/g, ".*");
            const data = await api<{ result: unknown[] }>(out.prometheusUrl, `/api/v1/query?query=${encodeURIComponent(q)}`);
            if (!data.result.length) empty.push(q);
        }
        expect(empty).toEqual([]);
    });

    it("a killed primary fires PgscaleNoPrimary, resolved by the failover", async () => {
        const leader = (await leaderName(out.members.map((m) => m.restUrl)))!;
        const victim = out.members.find((m) => m.name === leader)!;
        const since = Date.now();
        docker("kill", "--signal", "KILL", victim.container);
        try {
            const fired = await firing("PgscaleNoPrimary", (a) => a.labels.cluster === "pg", since);
            await resolved("PgscaleNoPrimary");
            console.log(`PgscaleNoPrimary fired ${fired.seconds.toFixed(1)} s after SIGKILL of the primary, resolved ${((Date.now() - since) / 1000).toFixed(1)} s after it`);
        } finally {
            docker("start", victim.container);
        }
    });

    it("pgscale doctor --prometheus reports from the last minutes what the live checks no longer see", async () => {
        const r = await pgscaleCli("doctor", "--primary-uri", superuser(), "--prometheus", out.prometheusUrl, "--window", "10", "--json");
        const report = JSON.parse(r.stdout);
        const history = report.findings.filter((f: any) => f.check.startsWith("history"));
        // The SIGKILLed primary's targets, the pool that made 20 clients wait, each standby's worst lag.
        const down = history.find((f: any) => f.check === "history.targets");
        expect(down.severity).toBe("warning");
        expect(down.detail).toMatch(/patroni pg pg-\d/);
        expect(history.find((f: any) => f.check === "history.pool")).toMatchObject({ severity: expect.stringMatching(/warning|critical/), detail: expect.stringMatching(/^pool pool appdb: up to \d+ client\(s\) waiting/) });
        expect(history.filter((f: any) => f.check === "history.lag").length).toBeGreaterThanOrEqual(1);
    });
});
