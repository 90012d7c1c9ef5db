import { parse } from "yaml";
import { renderDcsConfig, renderPatroniYaml, renderPgHba, renderPostBootstrap } from "./patroni-config";
import { HAPROXY_RUNTIME, declaredServers, haproxyStatsAuth, hasRoutableServer, parseServerState, renderHaproxyCfg, unsettledServers } from "./haproxy-config";
import { poolUserlist, renderPgbouncerIni, renderUserlist } from "./pgbouncer-config";
import { resolvePatroniCluster, resolvePgBouncerPool } from "./resolve";
import { scramSha256Verifier } from "./scram";

const r = resolvePatroniCluster({ parameters: { max_connections: "200" } }, "t");
const dcs = renderDcsConfig({
    timings: r.timings, usePgRewind: true, synchronousMode: false, synchronousModeStrict: false,
    failsafeMode: false, checkTimeline: true, parameters: r.parameters, pgHba: renderPgHba("replicator", []), patroniMajor: 3,
});

describe("patroni.yml", () => {
    const yml = renderPatroniYaml({
        scope: "main", name: "main-0", host: "main-0", store: { etcd3: { hosts: ["dcs-0:2379", "dcs-1:2379"] } }, dcs,
        superuser: { username: "postgres", password: "su'pw" }, replication: { username: "replicator", password: "r" },
        rewind: { username: "rewind", password: "w" }, restApi: { username: "patroni", password: "a" },
        tags: { nofailover: false, noloadbalance: true, clonefrom: false, nosync: false },
        dataDir: "/data/pg15", binDir: "/usr/lib/postgresql/15/bin",
    });
    const doc = parse(yml);
    it("has the playbook's sections with Patroni's key names", () => {
        expect(doc.scope).toBe("main");
        expect(doc.etcd3.hosts).toEqual(["dcs-0:2379", "dcs-1:2379"]);
        expect(doc.restapi.connect_address).toBe("main-0:8008");
        expect(doc.bootstrap.dcs).toMatchObject({ ttl: 30, loop_wait: 10, retry_timeout: 10, maximum_lag_on_failover: 1048576 });
        expect(doc.bootstrap.dcs.postgresql.use_pg_rewind).toBe(true);
        expect(doc.bootstrap.dcs.postgresql.parameters.max_connections).toBe("200");
        expect(doc.postgresql.authentication.superuser.password).toBe("su'pw");
        expect(doc.tags.noloadbalance).toBe(true);
    });
    it("keeps departed members' slots no longer on Patroni 4 than on 3 (member_slots_ttl 0), and sends 3 no key it lacks", () => {
        expect(doc.bootstrap.dcs).not.toHaveProperty("member_slots_ttl");
        expect(renderDcsConfig({ timings: r.timings, usePgRewind: true, synchronousMode: false, synchronousModeStrict: false,
            failsafeMode: false, checkTimeline: true, parameters: r.parameters, pgHba: [], patroniMajor: 4 })).toMatchObject({ member_slots_ttl: 0 });
    });
    it("reads back as written under YAML 1.1, as Patroni (PyYAML) parses it: 'on' stays a string", () => {
        const asPatroni = parse(yml, { version: "1.1" });
        expect(asPatroni.bootstrap.dcs.postgresql.parameters.hot_standby).toBe("on");
        expect(asPatroni.bootstrap.dcs.postgresql.parameters.wal_log_hints).toBe("on");
        expect(asPatroni.bootstrap.dcs).toEqual(dcs);
        expect(asPatroni.tags.noloadbalance).toBe(true);
    });
    it("turns on ssl with the node's own certificate, locally and only when asked", () => {
        expect(doc.postgresql.parameters.ssl).toBeUndefined();
        const withTls = parse(renderPatroniYaml({
            scope: "main", name: "main-0", host: "main-0", store: { etcd3: { hosts: ["dcs-0:2379"] } }, dcs,
            superuser: { username: "postgres", password: "s" }, replication: { username: "replicator", password: "r" },
            rewind: { username: "rewind", password: "w" }, restApi: { username: "patroni", password: "a" },
            tags: { nofailover: false, noloadbalance: false, clonefrom: false, nosync: false },
            dataDir: "/data/pg15", binDir: "/usr/lib/postgresql/15/bin", tls: { certFile: "/tls/server.crt", keyFile: "/run/server.key" },
        }));
        expect(withTls.postgresql.parameters).toMatchObject({ ssl: "on", ssl_cert_file: "/tls/server.crt", ssl_key_file: "/run/server.key", ssl_min_protocol_version: "TLSv1.2" });
        // Per node, so never in the DCS document every node shares.
        expect(withTls.bootstrap.dcs.postgresql.parameters.ssl).toBeUndefined();
        // Without the CA, the member's own connections keep libpq's default; with it, they verify the others.
        expect(withTls.postgresql.authentication.replication).not.toHaveProperty("sslmode");
        const verifying = parse(renderPatroniYaml({
            scope: "main", name: "main-0", host: "main-0", store: { etcd3: { hosts: ["dcs-0:2379"] } }, dcs,
            superuser: { username: "postgres", password: "s" }, replication: { username: "replicator", password: "r" },
            rewind: { username: "rewind", password: "w" }, restApi: { username: "patroni", password: "a" },
            tags: { nofailover: false, noloadbalance: false, clonefrom: false, nosync: false },
            dataDir: "/data/pg15", binDir: "/usr/lib/postgresql/15/bin", tls: { certFile: "/tls/server.crt", keyFile: "/run/server.key", caFile: "/tls/ca.crt" },
        }));
        const verified = { sslmode: "verify-full", sslrootcert: "/tls/ca.crt" };
        expect(verifying.postgresql.authentication.replication).toEqual({ username: "replicator", password: "r", ...verified });
        expect(verifying.postgresql.authentication.rewind).toEqual({ username: "rewind", password: "w", ...verified });
        // The superuser connects over the local socket only.
        expect(verifying.postgresql.authentication.superuser).toEqual({ username: "postgres", password: "s" });
    });
    it("renders pg_hba with TLS required: plaintext TCP rejected before the user's rules, every TCP rule hostssl", () => {
        expect(renderPgHba("replicator", ["host all bob 10.0.0.0/8 scram-sha-256"])).toEqual([
            "local all all peer", "host replication replicator all scram-sha-256", "host all bob 10.0.0.0/8 scram-sha-256", "host all all all scram-sha-256",
        ]);
        expect(renderPgHba("replicator", ["host all bob 10.0.0.0/8 scram-sha-256"], true)).toEqual([
            "local all all peer", "hostnossl all all all reject", "hostssl replication replicator all scram-sha-256",
            "host all bob 10.0.0.0/8 scram-sha-256", "hostssl all all all scram-sha-256",
        ]);
    });
    it("serves the REST API over HTTPS with the member's certificate when given one; clients are not asked for one", () => {
        expect(doc.restapi).not.toHaveProperty("certfile");
        const https = parse(renderPatroniYaml({
            scope: "main", name: "main-0", host: "main-0", store: { etcd3: { hosts: ["dcs-0:2379"] } }, dcs,
            superuser: { username: "postgres", password: "s" }, replication: { username: "replicator", password: "r" },
            rewind: { username: "rewind", password: "w" }, restApi: { username: "patroni", password: "a" },
            tags: { nofailover: false, noloadbalance: false, clonefrom: false, nosync: false },
            dataDir: "/data/pg15", binDir: "/usr/lib/postgresql/15/bin",
            restApiTls: { certFile: "/tls/server.crt", keyFile: "/run/server.key", caFile: "/tls/ca.crt" },
        }));
        // cafile is also what Patroni's own calls to other members verify against (patroni/request.py).
        expect(https.restapi).toEqual({
            listen: "0.0.0.0:8008", connect_address: "main-0:8008", authentication: { username: "patroni", password: "a" },
            certfile: "/tls/server.crt", keyfile: "/run/server.key", cafile: "/tls/ca.crt",
        });
        expect(https.restapi).not.toHaveProperty("verify_client");
        // PostgreSQL's own TLS stays a separate choice.
        expect(https.postgresql.parameters.ssl).toBeUndefined();
    });
    it("keeps every TCP rule on scram-sha-256", () => {
        const hba: string[] = doc.bootstrap.dcs.postgresql.pg_hba;
        expect(hba.filter((l) => l.startsWith("host")).every((l) => l.endsWith("scram-sha-256"))).toBe(true);
        expect(hba.some((l) => l.includes("trust"))).toBe(false);
    });
});

describe("post-bootstrap script", () => {
    it("creates the owner from a verifier, never a plaintext password", () => {
        const v = scramSha256Verifier("secret");
        const sh = renderPostBootstrap("app", v, "appdb");
        expect(sh).toContain(`CREATE ROLE app LOGIN PASSWORD '${v}';`);
        expect(sh).toContain("CREATE DATABASE appdb OWNER app;");
        expect(sh).not.toContain("'secret'");
    });
});

describe("haproxy.cfg", () => {
    const cfg = renderHaproxyCfg({
        nodes: [0, 1, 2].map((i) => ({ name: `main-${i}`, host: `main-${i}`, pgPort: 5432, apiPort: 8008 })),
        ports: { primary: 5000, replicas: 5001, stats: 7000 }, check: { interMs: 2000, fall: 3, rise: 2 },
        maxConnections: 2000, idleTimeoutSeconds: 1800, maxReplicaLagBytes: 1048576,
        statsAuth: haproxyStatsAuth("stats-password-of-the-test"),
    });
    it("checks /primary and lag-bounded /replica on Patroni's port", () => {
        expect(cfg).toMatch(/listen primary\n {4}bind \*:5000[\s\S]*option httpchk GET \/primary/);
        expect(cfg).toMatch(/listen replicas\n {4}bind \*:5001\n {4}balance roundrobin\n {4}option httpchk GET \/replica\?lag=1048576/);
        expect(cfg.match(/server main-\d main-\d:5432 check port 8008/g)).toHaveLength(6);
        expect(cfg).toContain("on-marked-down shutdown-sessions");
        expect(cfg).toContain("inter 2000ms");
        expect(cfg).not.toContain("sync_replicas");
    });
    it("checks synchronous standbys with /sync, and quorum standbys with /quorum (Patroni 4)", () => {
        const sync = (synchronousMode: true | "quorum") => renderHaproxyCfg({
            nodes: [{ name: "main-0", host: "main-0", pgPort: 5432, apiPort: 8008 }], synchronousMode,
            ports: { primary: 5000, replicas: 5001, syncReplicas: 5002, stats: 7000 }, check: { interMs: 2000, fall: 3, rise: 2 },
            maxConnections: 2000, idleTimeoutSeconds: 1800, statsAuth: haproxyStatsAuth("pw"),
        });
        expect(sync(true)).toMatch(/listen sync_replicas\n {4}bind \*:5002\n {4}balance roundrobin\n {4}option httpchk GET \/sync\n/);
        expect(sync("quorum")).toMatch(/listen sync_replicas\n {4}bind \*:5002\n {4}balance roundrobin\n {4}option httpchk GET \/quorum\n/);
    });
    it("keeps health states across reloads through a runtime API on the container's loopback", () => {
        expect(cfg).toContain(`stats socket ipv4@127.0.0.1:${HAPROXY_RUNTIME.port} level admin`);
        expect(cfg).toContain(`server-state-file ${HAPROXY_RUNTIME.stateFile}`);
        expect(cfg).toMatch(/defaults\n {4}mode tcp\n {4}load-server-state-from-file global/);
    });
    it("serves the stats page only with the stats user's credentials, checked against a crypt hash; probes get /healthz", () => {
        const auth = haproxyStatsAuth("stats-password-of-the-test");
        expect(auth.passwordHash).toBe(haproxyStatsAuth("stats-password-of-the-test").passwordHash); // stable across runs: no reload per up
        expect(auth.passwordHash).toMatch(/^\$6\$[./0-9A-Za-z]{16}\$[./0-9A-Za-z]{86}$/);
        expect(cfg).toContain(`userlist pgscale_stats\n    user stats password ${auth.passwordHash}\n`);
        expect(cfg).not.toContain("stats-password-of-the-test");
        expect(cfg).toMatch(/listen stats\n {4}mode http\n {4}bind \*:7000\n {4}monitor-uri \/healthz\n[\s\S]*stats http-request auth realm pgscale unless \{ http_auth\(pgscale_stats\) \}/);
        const base = { nodes: [], ports: { primary: 5000, replicas: 5001, stats: 7000 }, check: { interMs: 2000, fall: 3, rise: 2 }, maxConnections: 10, idleTimeoutSeconds: 10 };
        expect(() => renderHaproxyCfg({ ...base, statsAuth: { user: "stats", passwordHash: "plain text" } })).toThrow(/crypt hash/);
        expect(() => renderHaproxyCfg({ ...base, statsAuth: { user: "a b", passwordHash: auth.passwordHash } })).toThrow(/statsAuth/);
    });
    it("checks an HTTPS REST API over TLS, verifying each member's certificate against the CA on the member's name", () => {
        const tls = renderHaproxyCfg({
            nodes: [0, 1].map((i) => ({ name: `main-${i}`, host: `main-${i}`, pgPort: 5432, apiPort: 8008 })),
            ports: { primary: 5000, replicas: 5001, stats: 7000 }, check: { interMs: 2000, fall: 3, rise: 2 },
            maxConnections: 2000, idleTimeoutSeconds: 1800, statsAuth: haproxyStatsAuth("pw"), restApiCaFile: "/etc/haproxy/patroni-ca.crt",
        });
        const servers = tls.split("\n").filter((l) => l.trim().startsWith("server "));
        expect(servers).toHaveLength(4);
        for (const i of [0, 1]) {
            expect(servers.filter((l) => l.trim() ===
                `server main-${i} main-${i}:5432 check port 8008 check-ssl check-sni main-${i} verify required ca-file /etc/haproxy/patroni-ca.crt verifyhost main-${i}`,
            )).toHaveLength(2);
        }
        // The client traffic itself stays a TCP pass-through (PostgreSQL negotiates its own TLS).
        expect(servers.some((l) => / ssl( |$)/.test(l))).toBe(false);
        // Plain HTTP checks only without a CA (a cluster kept on restApi.https false).
        expect(cfg).not.toContain("check-ssl");
        expect(() => renderHaproxyCfg({ nodes: [], ports: { primary: 5000, replicas: 5001, stats: 7000 }, check: { interMs: 2000, fall: 3, rise: 2 },
            maxConnections: 10, idleTimeoutSeconds: 10, statsAuth: haproxyStatsAuth("pw"), restApiCaFile: "ca.crt" })).toThrow(/restApiCaFile/);
    });
    it("lists the servers a reload must show live", () => {
        expect(declaredServers(cfg)).toEqual([0, 1, 2].flatMap((i) => [`primary/main-${i}`]).concat([0, 1, 2].map((i) => `replicas/main-${i}`)));
    });
});

describe("parseServerState", () => {
    // An answer of HAProxy 2.6.12 (`show servers state`), trimmed to two servers.
    const answer = [
        "1",
        "# be_id be_name srv_id srv_name srv_addr srv_op_state srv_admin_state srv_uweight srv_iweight srv_time_since_last_change srv_check_status srv_check_result srv_check_health srv_check_state srv_agent_state bk_f_forced_id srv_f_forced_id srv_fqdn srv_port srvrecord srv_use_ssl srv_check_port srv_check_addr srv_agent_addr srv_agent_port",
        "3 primary 1 main-0 172.18.0.3 2 0 1 1 52 6 3 4 6 0 0 0 main-0 5432 - 0 8008 - - 0",
        "4 replicas 2 main-1 172.18.0.4 0 0 1 1 52 7 2 0 6 0 0 0 main-1 5432 - 0 8008 - - 0",
        "",
    ].join("\n");
    it("reads backend, server, operational and admin state, and the last check's result", () => {
        expect(parseServerState(answer)).toEqual([
            { backend: "primary", server: "main-0", opState: 2, adminState: 0, checkResult: 3, checkHealth: 4 },
            { backend: "replicas", server: "main-1", opState: 0, adminState: 0, checkResult: 2, checkHealth: 0 },
        ]);
    });
    it("a server UP only because no check has finished yet is unsettled; one in maintenance runs no checks", () => {
        const fresh = "1\n# header\n3 primary 1 main-0 172.18.0.3 2 0 1 1 0 0 0 2 6 0 0 0 main-0 5432 - 0 8008 - - 0\n" +
            "3 primary 2 main-1 172.18.0.4 0 1 1 1 0 0 0 2 6 0 0 0 main-1 5432 - 0 8008 - - 0\n";
        expect(unsettledServers(parseServerState(answer))).toEqual([]);
        expect(unsettledServers(parseServerState(fresh))).toEqual(["primary/main-0"]);
    });
    it("a server whose state lags its last check (rising or falling) is unsettled", () => {
        // main-0 was DOWN while Patroni bootstrapped and has passed one check of `rise`; main-1
        // is UP and has failed one of `fall`.
        const rising = "1\n# header\n3 primary 1 main-0 172.18.0.3 0 0 1 1 5 15 3 1 6 0 0 0 main-0 5432 - 0 8008 - - 0\n" +
            "3 primary 2 main-1 172.18.0.4 2 0 1 1 5 15 2 3 6 0 0 0 main-1 5432 - 0 8008 - - 0\n";
        const states = parseServerState(rising);
        expect(unsettledServers(states)).toEqual(["primary/main-0", "primary/main-1"]);
        // A DOWN server's next check in progress (result reset to unknown) leaves it settled.
        const checking = "1\n# header\n4 replicas 1 m-0 172.23.0.3 0 0 1 1 5 7 0 0 7 0 0 0 m-0 5432 - 0 8008 - - 8008\n";
        expect(unsettledServers(parseServerState(checking))).toEqual([]);
        expect(hasRoutableServer(states, "primary")).toBe(false);
    });
    it("a listener is routable when one of its servers is UP by a passed check", () => {
        const states = parseServerState(answer);
        expect(hasRoutableServer(states, "primary")).toBe(true);
        expect(hasRoutableServer(states, "replicas")).toBe(false);
    });
    it("refuses an answer it does not know", () => {
        expect(() => parseServerState("Unknown command.\n")).toThrow(/unexpected 'show servers state' answer/);
    });
});

describe("pgbouncer.ini", () => {
    it("renders the playbook's settings", () => {
        const pool = resolvePgBouncerPool({ minPoolSize: 5, reservePoolSize: 5, reservePoolTimeout: 3, queryTimeout: 300 }, "x");
        const ini = renderPgbouncerIni({
            pool, databases: [{ name: "appdb", host: "lb", port: 5000 }], listenPort: 6432,
            authFile: "/etc/pgbouncer/userlist.txt", adminUsers: ["admin"], statsUsers: ["admin"],
        });
        for (const line of [
            "appdb = host=lb port=5000 dbname=appdb", "auth_type = scram-sha-256", "pool_mode = transaction",
            "default_pool_size = 20", "max_client_conn = 1000", "min_pool_size = 5", "reserve_pool_size = 5",
            "reserve_pool_timeout = 3", "server_idle_timeout = 600", "server_lifetime = 3600", "query_timeout = 300",
            "log_connections = 1", "log_disconnections = 1", "log_pooler_errors = 1", "stats_period = 60",
            "max_prepared_statements = 200",
        ]) expect(ini).toContain(line);
    });
    it("requires TLS from clients and verifies the servers' CA and names when given certificates", () => {
        const pool = resolvePgBouncerPool({}, "x");
        const base = { pool, databases: [{ name: "appdb", host: "lb", port: 5000 }], listenPort: 6432, authFile: "/u", adminUsers: ["a"], statsUsers: ["a"] };
        expect(renderPgbouncerIni(base)).not.toContain("tls");
        const ini = renderPgbouncerIni({ ...base, tls: { certFile: "/t/c.crt", keyFile: "/r/k.key", caFile: "/t/ca.crt" } });
        for (const line of [
            "client_tls_sslmode = require", "client_tls_cert_file = /t/c.crt", "client_tls_key_file = /r/k.key",
            "client_tls_ca_file = /t/ca.crt", "server_tls_sslmode = verify-full", "server_tls_ca_file = /t/ca.crt",
        ]) expect(ini).toContain(line);
    });
    it("quotes userlist entries", () => {
        expect(renderUserlist([{ name: 'a"b', secret: "s" }])).toBe('"a""b" "s"\n');
    });
    it("gives declared users with a pool size their own [users] line, and refuses a name PgBouncer could not read there", () => {
        const pool = resolvePgBouncerPool({}, "x");
        const base = { pool, databases: [{ name: "appdb", host: "lb", port: 5000 }], listenPort: 6432, authFile: "/u", adminUsers: ["a"], statsUsers: ["a"] };
        expect(renderPgbouncerIni({ ...base, users: [{ name: "reporter" }] })).not.toContain("[users]");
        expect(renderPgbouncerIni({ ...base, users: [{ name: "reporter", poolSize: 3 }, { name: "etl" }] })).toMatch(/\[users\]\nreporter = pool_size=3\n$/);
        expect(() => renderPgbouncerIni({ ...base, users: [{ name: "bad name", poolSize: 3 }] })).toThrow(/users: the role "bad name" has a poolSize/);
    });
    it("admits declared users that log in, once each", () => {
        const fixed = [{ name: "app", secret: "SCRAM-A" }, { name: "pgscale_admin", secret: "SCRAM-B" }];
        expect(poolUserlist(fixed, [{ name: "reporter", secret: "SCRAM-R" }])).toBe('"app" "SCRAM-A"\n"pgscale_admin" "SCRAM-B"\n"reporter" "SCRAM-R"\n');
        expect(() => poolUserlist(fixed, [{ name: "readers", secret: "" }])).toThrow(/users\[0\]\.role: readers has no password verifier/);
        expect(() => poolUserlist(fixed, [{ name: "x", secret: "v" }, { name: "app", secret: "v" }])).toThrow(/users\[1\]\.role: app is already admitted/);
    });
});
