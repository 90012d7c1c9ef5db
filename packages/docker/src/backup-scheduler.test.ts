import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { generateCa, generateServerCert, BACKUP_DRILL_METRICS, BACKUP_SCHEDULER_METRICS, drillShortfalls, lossWindowSeconds, parseDrillOutput } from "@pgscale/core";
import { IMAGES_DIR } from "./built-image/build";

// The backup scheduler the patroni-17 image ships (and its modules beside it), run with the real
// python3: its choice of what to back up when, the backup lease, the drill's figures. Against real
// pgBackRest, Patroni and etcd: test/e2e/backup.test.ts.

const SCRIPT = path.join(IMAGES_DIR, "patroni-17", "backup-scheduler.py");

/** Runs `lines` of Python with the script loaded as `m`, `input` on stdin; its stdout. */
function withScheduler(lines: string[], input = ""): string {
    const program = [
        "import importlib.util, json, sys",
        `spec = importlib.util.spec_from_file_location("scheduler", ${JSON.stringify(SCRIPT)})`,
        "m = importlib.util.module_from_spec(spec); spec.loader.exec_module(m)",
        ...lines,
    ].join("\n");
    const res = spawnSync("python3", ["-c", program], { input, encoding: "utf8" });
    if (res.status !== 0) throw new Error(res.stderr);
    return res.stdout;
}

/** due(intervals, backups, now) of the script, for each case. */
function due(cases: Array<{ intervals: Record<string, number>; backups: Array<{ type: string; stop: number; error?: boolean }>; now: number }>): Array<string | null> {
    return JSON.parse(withScheduler([
        "cases = json.load(sys.stdin)",
        "print(json.dumps([m.due(c['intervals'], [{'type': b['type'], 'error': b.get('error', False), 'timestamp': {'stop': b['stop']}} for b in c['backups']], c['now']) for c in cases]))",
    ], JSON.stringify(cases)));
}

describe("backup scheduler", () => {
    const day = 86400;
    it("takes a full backup first, then each kind when its interval has passed since the last backup covering it", () => {
        const intervals = { full: 7 * day, diff: day, incr: 3600 };
        expect(due([
            // Nothing yet: a full.
            { intervals, backups: [], now: 1000 },
            // A fresh full covers every kind.
            { intervals, backups: [{ type: "full", stop: 1000 }], now: 1000 + 60 },
            // An hour later: an incremental.
            { intervals, backups: [{ type: "full", stop: 1000 }], now: 1000 + 3600 },
            // A day after the full: a differential (which also restarts the incremental clock).
            { intervals, backups: [{ type: "full", stop: 1000 }, { type: "incr", stop: 1000 + 82800 }], now: 1000 + day },
            { intervals, backups: [{ type: "full", stop: 1000 }, { type: "diff", stop: 1000 + day }], now: 1000 + day + 1800 },
            // A week after the full: a full, whatever ran since.
            { intervals, backups: [{ type: "full", stop: 1000 }, { type: "diff", stop: 1000 + 6 * day }], now: 1000 + 7 * day },
        ])).toEqual(["full", null, "incr", "diff", null, "full"]);
    });

    it("does not count a backup pgBackRest marked as having errors, and leaves off kinds not scheduled", () => {
        expect(due([
            { intervals: { full: day }, backups: [{ type: "full", stop: 1000, error: true }], now: 1060 },
            { intervals: { full: day }, backups: [{ type: "full", stop: 1000 }], now: 1000 + day - 1 },
        ])).toEqual(["full", null]);
    });

    it("publishes the metrics the alert rules read, newest backup of each kind without the failed ones", () => {
        const stdout = withScheduler([
            "backups = [{'type': 'full', 'timestamp': {'stop': 100}}, {'type': 'incr', 'timestamp': {'stop': 200}}, {'type': 'incr', 'timestamp': {'stop': 300}, 'error': True}]",
            "facts = {'acting': True, 'failing': False, 'running': False, 'repository': {'ok': True, 'newest': m.newest_by_kind(backups), 'count': {'full': 1, 'incr': 2}}}",
            "print(m.render_metrics({'full': 86400, 'incr': 3600}, facts))",
        ]);
        const samples = stdout.split("\n").filter((l) => l && !l.startsWith("#"));
        const names = new Set(samples.map((l) => l.replace(/[{ ].*$/, "")));
        // Without backup.drill: no drill metrics.
        expect([...names].sort()).toEqual([...BACKUP_SCHEDULER_METRICS].sort());
        expect(samples).toEqual(expect.arrayContaining([
            "pgscale_backup_scheduler_acting 1",
            'pgscale_backup_schedule_interval_seconds{kind="full"} 86400',
            'pgscale_backup_schedule_interval_seconds{kind="incr"} 3600',
            'pgscale_backup_last_completed_timestamp_seconds{kind="full"} 100',
            'pgscale_backup_last_completed_timestamp_seconds{kind="incr"} 200',
            'pgscale_backup_sets{kind="diff"} 0',
            "pgscale_backup_failing 0",
        ]));
        expect(samples.some((l) => l.startsWith('pgscale_backup_schedule_interval_seconds{kind="diff"}'))).toBe(false);
    });

    it("counts a repository pgBackRest could not read as a failure, though info exits 0 with it", () => {
        // The answer of pgBackRest 2.55's info with the repository directory unreadable (mode 000).
        const unreadable = JSON.stringify([{ archive: [], backup: [], db: [], name: "pg", repo: [{ key: 1, status: { code: 99, message: "[PathOpenError] unable to list file info for path '/var/lib/pgbackrest/backup': [13] Permission denied" } }], status: { code: 99, message: "other" } }]);
        const noStanza = JSON.stringify([{ archive: [], backup: [], db: [], name: "pg", repo: [{ key: 1, status: { code: 1, message: "missing stanza path" } }], status: { code: 1, message: "missing stanza path" } }]);
        const out = withScheduler([
            "answers = json.load(sys.stdin)",
            "results = []",
            "for a in answers:",
            "    m.pgbackrest = lambda stanza, *args, a=a: (0, a)",
            "    try:",
            "        results.append(m.backups_of('pg'))",
            "    except RuntimeError as e:",
            "        results.append(str(e))",
            "print(json.dumps(results))",
        ], JSON.stringify([unreadable, noStanza]));
        expect(JSON.parse(out)).toEqual([
            "pgbackrest info: other (status 99): [PathOpenError] unable to list file info for path '/var/lib/pgbackrest/backup': [13] Permission denied",
            [],
        ]);
    });

    it("chooses the first streaming replica by name to take the backups, else the running primary, and no one without one", () => {
        const member = (name: string, role: string, state: string) => ({ name, role, state, host: name, port: 5432 });
        const choose = (clusters: unknown[]) => JSON.parse(withScheduler(["print(json.dumps([m.choose(c) for c in json.load(sys.stdin)]))"], JSON.stringify(clusters)));
        expect(choose([
            { members: [member("pg-0", "leader", "running"), member("pg-2", "replica", "streaming"), member("pg-1", "sync_standby", "streaming")] },
            // A replica still catching up, or being created, does not take them.
            { members: [member("pg-0", "leader", "running"), member("pg-1", "replica", "starting"), member("pg-2", "replica", "running")] },
            { members: [member("pg-0", "leader", "stopped"), member("pg-1", "replica", "streaming")] },
            { members: [member("pg-1", "replica", "streaming")] },
        ])).toEqual([
            { acting: "pg-1", primary: "pg-0", primaryHost: "pg-0", standby: true },
            { acting: "pg-0", primary: "pg-0", primaryHost: "pg-0", standby: false },
            null,
            null,
        ]);
    });

    it("backs up from the standby through the primary's pgBackRest server, and on the primary alone when it acts", () => {
        const args = JSON.parse(withScheduler([
            "cfg = {'standbyOptions': ['--pg2-host-type=tls', '--pg2-path=/data']}",
            "choice = {'acting': 'pg-1', 'primary': 'pg-0', 'primaryHost': 'pg-0', 'standby': True}",
            "print(json.dumps([m.backup_args(cfg, 'incr', 'pg-1', choice), m.backup_args(cfg, 'full', 'pg-0', {**choice, 'acting': 'pg-0'}), m.primary_args(cfg, 'pg-1', choice)]))",
        ]));
        expect(args).toEqual([
            ["--type=incr", "--backup-standby=y", "--pg2-host-type=tls", "--pg2-path=/data", "--pg2-host=pg-0", "backup"],
            ["--type=full", "backup"],
            ["--pg2-host-type=tls", "--pg2-path=/data", "--pg2-host=pg-0"],
        ]);
    });

    it("drills on the schedule: the first at once, then once the interval has passed since the last one started", () => {
        const due = JSON.parse(withScheduler([
            "d = {'everySeconds': 3600}",
            "print(json.dumps([m.drill_due(d, None, 100), m.drill_due(d, {'startedAt': 100}, 3699), m.drill_due(d, {'startedAt': 100}, 3700), m.drill_due(None, None, 100)]))",
        ]));
        expect(due).toEqual([true, false, true, false]);
    });

    it("starts pgBackRest's server again when its certificate file changes (a renewal in place), and when it exits", () => {
        const out = withScheduler([
            "import os, tempfile, time",
            "d = tempfile.mkdtemp(); cert = os.path.join(d, 'server.crt'); open(cert, 'w').write('a')",
            "starts = []",
            "class P:",
            "    def __init__(self): self.returncode = None",
            "    def poll(self): return self.returncode",
            "    def terminate(self): self.returncode = -15",
            "    def wait(self): return self.returncode",
            "m.subprocess.Popen = lambda *a, **k: starts.append(1) or P()",
            "m.log = lambda msg: None",
            "s = m.Server(cert)",
            "s.keep_running(); s.keep_running()",
            "first = len(starts)",
            "os.utime(cert, (time.time() + 10, time.time() + 10)); s.keep_running()",
            "renewed = len(starts)",
            "s.process.returncode = 1; s.keep_running()",
            "print(json.dumps([first, renewed, len(starts)]))",
        ]);
        expect(JSON.parse(out)).toEqual([1, 2, 3]);
    });

    /**
     * A model of etcd's lease and compare-and-set semantics as the JSON gateway answers them
     * (int64 as strings, `succeeded` left out when false, a revoked lease's keys gone), for the lease logic.
     */
    const FAKE_ETCD = [
        "import base64",
        "class FakeEtcd:",
        "    def __init__(self): self.kv, self.leases, self.next, self.down = {}, {}, 1, False",
        "    def call(self, path, body):",
        "        if self.down: raise RuntimeError('etcd /v3: no endpoint answered')",
        "        if path == '/v3/lease/grant':",
        "            self.next += 1; self.leases[str(self.next)] = body['TTL']; return {'ID': str(self.next), 'TTL': str(body['TTL'])}",
        "        if path == '/v3/lease/keepalive':",
        "            return {'result': {'ID': body['ID'], **({'TTL': str(self.leases[body['ID']])} if body['ID'] in self.leases else {})}}",
        "        if path == '/v3/lease/revoke':",
        "            self.expire(body['ID']); return {}",
        "        if path == '/v3/kv/txn':",
        "            c = body['compare'][0]; assert c['target'] == 'CREATE' and c['create_revision'] == '0'",
        "            if c['key'] not in self.kv:",
        "                put = body['success'][0]['request_put']; self.kv[put['key']] = (put['value'], put['lease']); return {'succeeded': True}",
        "            return {'responses': [{'response_range': {'kvs': [{'key': c['key'], 'value': self.kv[c['key']][0]}]}}]}",
        "        raise AssertionError(path)",
        "    def expire(self, lease_id):",
        "        self.leases.pop(lease_id, None); self.kv = {k: v for k, v in self.kv.items() if v[1] != lease_id}",
        // The module the scheduler imports from beside it.
        "d = m.pgscale_dcs",
    ];

    it("lets one member back up at a time: the backup lease is taken by compare-and-set, refused naming its holder, free again once released or expired", () => {
        const out = JSON.parse(withScheduler([
            ...FAKE_ETCD,
            "e = FakeEtcd()",
            "key = '/service/pg/' + d.LEASE_KEY",
            "a, b = d.Lease(e.call, key, 30), d.Lease(e.call, key, 30)",
            "results = [a.take({'member': 'pg-1', 'kind': 'full', 'startedAt': 1796337069})]",
            // Two schedulers that both believe they act: the second is refused, naming the first.
            "held = b.take({'member': 'pg-0', 'kind': 'incr', 'startedAt': 1796337070})",
            "results += [held, d.refusal('pg-0', 'incr', held), b.id, len(e.leases)]",
            "a.release()",
            "results += [b.take({'member': 'pg-0', 'kind': 'incr', 'startedAt': 1796337080}), a.keep()]",
            // A holder that dies: its lease expires and takes the key with it.
            "e.expire(b.id)",
            "results += [b.keep(), a.take({'member': 'pg-1', 'kind': 'diff'})]",
            "print(json.dumps(results))",
        ]));
        expect(out).toEqual([
            null,
            { member: "pg-1", kind: "full", startedAt: 1796337069 },
            "pg-0 did not start the incr backup: the backup lease is held by pg-1 (full backup since 2026-12-03T22:31:09Z)",
            // The refused one's own lease is revoked at once: only the holder's remains.
            null, 1,
            null, false,
            false, null,
        ]);
    });

    it("reads etcd's CA file on each connection: the bundle a rotation delivers in place is trusted without a restart", () => {
        // A real TLS server on loopback with a certificate of the new CA; the client's file holds the old CA, then the bundle.
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "pgscale-dcs-"));
        try {
            const [oldCa, newCa] = [generateCa("old"), generateCa("new")];
            const server = generateServerCert(newCa, { commonName: "dcs-0", dnsNames: ["localhost"], ipAddresses: [] });
            fs.writeFileSync(path.join(dir, "server.crt"), server.certPem);
            fs.writeFileSync(path.join(dir, "server.key"), server.keyPem);
            fs.writeFileSync(path.join(dir, "ca.crt"), oldCa.certPem);
            const program = [
                "import http.server, json, os, ssl, sys, threading",
                `sys.path.insert(0, ${JSON.stringify(path.dirname(SCRIPT))}); import pgscale_dcs`,
                `os.chdir(${JSON.stringify(dir)})`,
                "class H(http.server.BaseHTTPRequestHandler):",
                "    def do_POST(self):",
                "        self.rfile.read(int(self.headers.get('Content-Length', 0))); self.send_response(200); self.end_headers(); self.wfile.write(b'{\"ok\": 1}')",
                "    def log_message(self, *a): pass",
                "srv = http.server.HTTPServer(('127.0.0.1', 0), H)",
                "ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER); ctx.load_cert_chain('server.crt', 'server.key')",
                "srv.socket = ctx.wrap_socket(srv.socket, server_side=True)",
                "threading.Thread(target=srv.serve_forever, daemon=True).start()",
                "etcd = pgscale_dcs.Etcd({'endpoints': [f'https://localhost:{srv.server_port}'], 'caFile': 'ca.crt'})",
                "def attempt():",
                "    try: return etcd.call('/v3/kv/range', {})",
                "    except RuntimeError as e: return 'refused' if 'CERTIFICATE_VERIFY_FAILED' in str(e) else str(e)",
                "before = attempt()",
                "open('ca.crt', 'w').write(" + JSON.stringify(newCa.certPem + oldCa.certPem) + ")",
                "print(json.dumps({'before': before, 'after': attempt()}))",
            ].join("\n");
            const res = spawnSync("python3", ["-c", program], { encoding: "utf8", timeout: 30_000 });
            expect(res.stderr).toBe("");
            expect(JSON.parse(res.stdout)).toEqual({ before: "refused", after: { ok: 1 } });
        } finally {
            fs.rmSync(dir, { recursive: true, force: true });
        }
    });

    it("keeps the lease through an etcd outage shorter than its TTL, and gives the backup up after one as long", () => {
        const out = JSON.parse(withScheduler([
            ...FAKE_ETCD,
            "e, now = FakeEtcd(), [1000.0]",
            "lease = d.Lease(e.call, '/service/pg/x', 30, clock=lambda: now[0])",
            "lease.take({'member': 'pg-1'})",
            "e.down = True; now[0] += 20",
            "results = [lease.keep()]",
            "now[0] += 10",
            "results.append(lease.keep())",
            "e.down = False; now[0] = 2000",
            "print(json.dumps(results))",
        ]));
        expect(out).toEqual([true, false]);
        // The backup under a lost lease is stopped (pgBackRest takes SIGTERM), with the reason in its output.
        const stopped = JSON.parse(withScheduler([
            ...FAKE_ETCD,
            "class Lost:",
            "    def keep(self): return False",
            "print(json.dumps(d.run_holding(Lost(), ['sh', '-c', 'echo started; exec sleep 30'], 0.2)))",
        ]));
        expect(stopped[0]).not.toBe(0);
        expect(stopped[1]).toMatch(/^started\nstopped: the backup lease was lost \(etcd out of reach for its TTL\)/);
    });

    it("reaches etcd as Patroni does: patroni.yml's etcd3 hosts, protocol, CA and user, keys under the scope's prefix", () => {
        const out = JSON.parse(withScheduler([
            ...FAKE_ETCD,
            "cfg = {'scope': 'orders', 'namespace': '/service/', 'etcd3': {'hosts': ['dcs-0:2379', 'dcs-1:2379'], 'protocol': 'https', 'cacert': '/etc/patroni/etcd-ca.crt', 'username': 'patroni-orders', 'password': 'pw'}}",
            "bare = {'scope': 'pg', 'etcd3': {'hosts': 'etcd:2379'}}",
            "results = [d.etcd_settings(cfg), d.etcd_settings(bare)]",
            "try:",
            "    d.etcd_settings({'scope': 'pg', 'kubernetes': {}})",
            "except RuntimeError as e:",
            "    results.append(str(e))",
            "print(json.dumps(results))",
        ]));
        expect(out).toEqual([
            { endpoints: ["https://dcs-0:2379", "https://dcs-1:2379"], caFile: "/etc/patroni/etcd-ca.crt", username: "patroni-orders", password: "pw", prefix: "/service/orders/" },
            { endpoints: ["http://etcd:2379"], caFile: null, username: null, password: null, prefix: "/service/pg/" },
            "patroni.yml has no etcd3 section: the backup lease lives in etcd v3",
        ]);
    });

    /** The API server's Lease objects as the scheduler sees them: create refuses an existing name, updates and deletes check resourceVersion. */
    const FAKE_API = [
        "class FakeApi:",
        "    def __init__(self): self.objects, self.version, self.calls = {}, 0, []",
        "    def request(self, method, path, body=None):",
        "        self.calls.append(f'{method} {path}')",
        "        base = '/apis/coordination.k8s.io/v1/namespaces/db/leases'",
        "        name = path[len(base) + 1:] if path != base else body['metadata']['name']",
        "        have = self.objects.get(name)",
        "        if method == 'GET': return (200, json.loads(json.dumps(have))) if have else (404, {})",
        "        if method == 'DELETE':",
        "            if not have or body['preconditions']['resourceVersion'] != have['metadata']['resourceVersion']: return 409, {}",
        "            del self.objects[name]; return 200, {}",
        "        if method == 'POST' and have: return 409, {'message': 'already exists'}",
        "        if method == 'PUT' and (not have or body['metadata'].get('resourceVersion') != have['metadata']['resourceVersion']): return 409, {'message': 'conflict'}",
        "        self.version += 1",
        "        obj = json.loads(json.dumps(body)); obj['metadata']['resourceVersion'] = str(self.version)",
        "        self.objects[name] = obj; return 200, json.loads(json.dumps(obj))",
        "d = m.pgscale_dcs",
    ];

    it("holds the backup lease in Patroni's Kubernetes DCS as a Lease object: one holder, refused naming it, taken over once expired, lost when taken", () => {
        const out = JSON.parse(withScheduler([
            ...FAKE_API,
            "api, now = FakeApi(), [1796337069.5]",
            "k = d.PatroniKubernetes({'scope': 'main', 'kubernetes': {'namespace': 'db'}}, api.request)",
            "a, b = k.lease(d.LEASE_KEY, 30), k.lease(d.LEASE_KEY, 30)",
            "a.clock = b.clock = lambda: now[0]",
            "results = [a.take({'member': 'main-1', 'kind': 'full', 'startedAt': 1796337069}), sorted(api.objects)]",
            "held = b.take({'member': 'main-0', 'kind': 'incr'})",
            "results += [held, api.objects['main-pgscale-backup-lease']['spec']['holderIdentity']]",
            "now[0] += 20; results.append(a.keep())",
            // Its holder stops renewing: a whole duration later another member takes it over, and the old holder learns it lost it.
            "now[0] += 31",
            "results += [b.take({'member': 'main-0', 'kind': 'incr'}), a.keep(), b.keep()]",
            "b.release(); results.append(sorted(api.objects))",
            // The drill's record: a value of its own, written twice, read back.
            "results.append(k.get(d.DRILL_KEY)); k.put(d.DRILL_KEY, '{\"n\": 1}'); k.put(d.DRILL_KEY, '{\"n\": 2}'); results.append(k.get(d.DRILL_KEY))",
            "results.append(d.micro_time(d.parse_micro_time('2026-12-05T20:01:02.250000Z')))",
            "print(json.dumps(results))",
        ]));
        expect(out).toEqual([
            null, ["main-pgscale-backup-lease"],
            { member: "main-1", kind: "full", startedAt: 1796337069 }, "main-1",
            true,
            null, false, true,
            [],
            null, '{"n": 2}',
            "2026-12-05T20:01:02.250000Z",
        ]);
    });

    it("picks the DCS patroni.yml names: etcd3, else the kubernetes section", () => {
        const out = JSON.parse(withScheduler([
            "import os, tempfile",
            "d = m.pgscale_dcs",
            "paths = []",
            "for doc in ['scope: a\\netcd3: {hosts: [\"dcs-0:2379\"]}\\n', 'scope: b\\nkubernetes: {namespace: db}\\n']:",
            "    f = tempfile.NamedTemporaryFile('w', suffix='.yml', delete=False); f.write(doc); f.close(); paths.append(f.name)",
            "etcd, kube = d.patroni_dcs(paths[0]), d.patroni_dcs(paths[1], lambda *a: (404, {}))",
            "print(json.dumps([type(etcd).__name__, etcd.key('x'), type(kube).__name__, kube.path, kube.name(d.LEASE_KEY), kube.get(d.DRILL_KEY)]))",
            "[os.unlink(p) for p in paths]",
        ]));
        expect(out).toEqual(["PatroniEtcd", "/service/a/x", "PatroniKubernetes", "/apis/coordination.k8s.io/v1/namespaces/db/leases", "b-pgscale-backup-lease", null]);
    });

    const DRILL_OUTPUT = [
        "PGSCALE-DRILL backup=20261203-223109F start=2026-12-03 22:31:07+00",
        "PGSCALE-DRILL seconds=3.456",
        "PGSCALE-DRILL last=2026-12-03 22:40:01.123+00",
        "PGSCALE-DRILL check=220",
    ].join("\n");

    it("reads a drill's figures as the CLI does (parseDrillOutput, drillShortfalls), and serves them with every member's metrics", () => {
        const finishedAt = Date.parse("2026-12-03T22:45:00Z") / 1000;
        const objectives = { restoreSeconds: 2, rpoSeconds: 3600 };
        const record = { startedAt: finishedAt - 10, finishedAt, exitCode: 0, output: DRILL_OUTPUT };
        const out = JSON.parse(withScheduler([
            "c = json.load(sys.stdin)",
            "ok = m.drill_facts(c['record'], c['objectives'])",
            "failed = m.drill_facts({**c['record'], 'exitCode': 1, 'output': 'ERROR: [075]: no backup set found to restore'}, c['objectives'])",
            "unreadable = m.drill_facts({**c['record'], 'output': 'PGSCALE-DRILL seconds=1'}, c['objectives'])",
            "facts = {'acting': False, 'failing': False, 'running': False, 'repository': {'ok': True, 'newest': {'full': 100}, 'count': {}}, 'leaseRefusals': 2,",
            "         'drill': m.shared_drill(m.shared_drill(None, ok), failed)}",
            "drill = {'everySeconds': 3600, 'objectives': c['objectives']}",
            "print(json.dumps([ok, failed, unreadable, m.render_metrics({'full': 86400}, facts, drill)]))",
        ], JSON.stringify({ record, objectives })));
        const [ok, failed, unreadable, text] = out;
        // The same figures and the same verdict as the CLI's, from the same output.
        const r = parseDrillOutput(DRILL_OUTPUT);
        const finished = new Date(finishedAt * 1000);
        expect(ok).toEqual({
            startedAt: finishedAt - 10, ranAt: finishedAt, ok: true, backupSet: r.backupSet, restoreSeconds: r.restoreSeconds,
            restorable: Date.parse(r.restorablePoint) / 1000, lossWindowSeconds: lossWindowSeconds(r, finished), exceeded: { restore: true, rpo: false },
        });
        expect(drillShortfalls(r, objectives, finished)).toEqual([expect.stringMatching(/^objectives\.restoreSeconds: /)]);
        expect(failed).toMatchObject({ ok: false, error: "exit 1: ERROR: [075]: no backup set found to restore" });
        expect(unreadable).toMatchObject({ ok: false, error: expect.stringMatching(/^the drill's output has no readable 'backup'/) });
        const samples = (text as string).split("\n").filter((l) => l && !l.startsWith("#"));
        const names = new Set(samples.map((l) => l.replace(/[{ ].*$/, "")));
        expect([...names].sort()).toEqual([...BACKUP_SCHEDULER_METRICS, ...BACKUP_DRILL_METRICS].sort());
        // The newest drill failed; the figures are those of the last one that restored.
        expect(samples).toEqual(expect.arrayContaining([
            "pgscale_backup_lease_refusals_total 2",
            "pgscale_backup_drill_interval_seconds 3600",
            'pgscale_backup_drill_objective_seconds{objective="restore"} 2',
            'pgscale_backup_drill_objective_seconds{objective="rpo"} 3600',
            "pgscale_backup_drill_failing 1",
            `pgscale_backup_drill_last_run_timestamp_seconds ${finishedAt}`,
            `pgscale_backup_drill_last_success_timestamp_seconds ${finishedAt}`,
            "pgscale_backup_drill_restore_seconds 3.5",
            `pgscale_backup_drill_restorable_timestamp_seconds ${Date.parse("2026-12-03T22:40:01.123Z") / 1000}`,
            `pgscale_backup_drill_loss_window_seconds ${lossWindowSeconds(r, finished)}`,
            'pgscale_backup_drill_objective_exceeded{objective="restore"} 1',
            'pgscale_backup_drill_objective_exceeded{objective="rpo"} 0',
        ]));
    });

    it("keeps the cluster's drill clock across a change of acting member: the newest drill, this member's or the shared record's", () => {
        const out = JSON.parse(withScheduler([
            "shared = {'last': {'startedAt': 5000}}",
            "print(json.dumps([m.newest_drill_start(None, shared), m.newest_drill_start({'startedAt': 6000}, shared), m.newest_drill_start(None, None),",
            "                  m.drill_due({'everySeconds': 3600}, m.newest_drill_start(None, shared), 6000)]))",
        ]));
        expect(out).toEqual([{ startedAt: 5000 }, { startedAt: 6000 }, null, false]);
    });
});
