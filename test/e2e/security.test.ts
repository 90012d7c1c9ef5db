// Security defaults on a real stack (docs/security.md): SCRAM inside TLS on every TCP path
// (plaintext refused), no trust over TCP, long generated passwords, no secret in the state, the
// engine's metadata or the logs, non-root containers, host ports on loopback. The fixture leaves
// every security option at its default.
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as http from "http";
import { Stack } from "@pulumi/pulumi/automation";
import { execFileSync, spawnSync } from "child_process";
import { parse } from "yaml";
import { destroyAndRemove, docker, fixtureStack, plainOutputs, storedState, uniqueStackName } from "../support/stack";
import { leaks, secretPlaces } from "../support/leaks";
import { eventually, query } from "../support/pg";
import { AUTH, authRequest, weakLogin } from "../support/auth-probe";
import { X509Certificate } from "crypto";
import { certificateValidity, generateCa, patroniHttp, patroniRequest, renewalPoint } from "@pgscale/core";

jest.setTimeout(15 * 60 * 1000);

interface Outputs {
    primaryUri: string;
    replicaUri: string;
    poolerUri: string;
    poolerAdminUri: string;
    superuserPassword: string;
    restApiPassword: string;
    members: Array<{ name: string; container: string; pgPort: number; restUrl: string }>;
    restApiCaPem: string;
    tlsCaPem: string;
    containers: string[];
    statsUrl: string;
    statsUser: string;
    statsPassword: string;
    network: string;
    etcdImage: string;
    etcdRootPassword: string;
    etcdTlsCaPem: string;
    etcdContainers: string[];
    scope: string;
}

const inspect = (container: string) => JSON.parse(docker("inspect", container))[0];

describe("security defaults on Docker", () => {
    const name = uniqueStackName("sec");
    let stack: Stack | undefined;
    let out: Outputs;
    /** Every generated password, by role, as the stack and the nodes hold them. */
    let passwords: Record<string, string>;
    const memberUri = (m: Outputs["members"][number], db = "postgres") =>
        `postgresql://postgres:${encodeURIComponent(out.superuserPassword)}@127.0.0.1:${m.pgPort}/${db}?sslmode=require`;
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "pgscale-sec-"));
    const caFile = path.join(dir, "ca.pem");
    const otherCaFile = path.join(dir, "other-ca.pem");
    /** psql on this machine (libpq's sslmode), with `params` replacing the URI's query. */
    const psql = (uri: string, params: string, sql: string) =>
        spawnSync("psql", [`${uri.split("?")[0]}?${params}`, "-Atc", sql], { encoding: "utf8", env: { ...process.env, PGCONNECT_TIMEOUT: "10" } });

    beforeAll(async () => {
        stack = await fixtureStack("security", name);
        const res = await stack.up({ onOutput: () => undefined });
        expect(res.summary.result).toBe("succeeded");
        out = plainOutputs(res.outputs) as Outputs;
        fs.writeFileSync(caFile, out.tlsCaPem);
        fs.writeFileSync(otherCaFile, generateCa("not the stack's CA").certPem);
        // The replication and rewind passwords are never exported: read them where Patroni does.
        const yml = parse(docker("exec", out.members[0].container, "cat", "/etc/patroni/patroni.yml"));
        const auth = yml.postgresql.authentication;
        passwords = {
            owner: decodeURIComponent(new URL(out.primaryUri).password),
            poolerAdmin: decodeURIComponent(new URL(out.poolerAdminUri).password),
            superuser: out.superuserPassword,
            restApi: out.restApiPassword,
            replication: auth.replication.password,
            etcdRoot: out.etcdRootPassword,
            etcdScope: yml.etcd3.password,
            rewind: auth.rewind.password,
            haproxyStats: out.statsPassword,
        };
        expect(auth.superuser.password).toBe(out.superuserPassword);
        expect(yml.restapi.authentication.password).toBe(out.restApiPassword);
        // Some traffic first, so the logs below have connections, logins and replication in them.
        await query(out.primaryUri, "CREATE TABLE t (id int)");
        await query(out.poolerUri, "INSERT INTO t VALUES (1)");
        await eventually(async () => (await query(out.replicaUri, "SELECT count(*) AS n FROM t"))[0].n === "1", 30000, "row on the replica");
    });
    afterAll(async () => {
        await destroyAndRemove(stack);
        fs.rmSync(dir, { recursive: true, force: true });
    });

    it("generates passwords of 32 random alphanumerics, one per role", () => {
        for (const [role, pw] of Object.entries(passwords)) {
            expect({ role, ok: /^[A-Za-z0-9]{32,}$/.test(pw) }).toEqual({ role, ok: true });
        }
        expect(new Set(Object.values(passwords)).size).toBe(Object.keys(passwords).length);
    });

    it("allows only scram-sha-256 inside TLS over TCP: trust and peer on the local socket only, SCRAM verifiers stored", async () => {
        for (const m of out.members) {
            const rules = await query(memberUri(m), "SELECT type, auth_method, error FROM pg_hba_file_rules ORDER BY line_number");
            expect(rules.filter((r) => r.error !== null)).toEqual([]);
            const tcp = rules.filter((r) => r.type !== "local");
            expect(tcp.length).toBeGreaterThan(0);
            expect(tcp.filter((r) => !["scram-sha-256", "reject"].includes(r.auth_method))).toEqual([]);
            // Every TCP rule admits TLS only, and the first one turns plaintext away.
            expect(tcp[0]).toMatchObject({ type: "hostnossl", auth_method: "reject" });
            expect(tcp.slice(1).filter((r) => r.type !== "hostssl")).toEqual([]);
            expect(rules.filter((r) => r.auth_method === "trust" && r.type !== "local")).toEqual([]);
            const [enc] = await query(memberUri(m), "SHOW password_encryption");
            expect(enc.password_encryption).toBe("scram-sha-256");
            const weak = await query(memberUri(m), "SELECT rolname FROM pg_authid WHERE rolpassword IS NOT NULL AND rolpassword NOT LIKE 'SCRAM-SHA-256$%'");
            expect(weak).toEqual([]);
        }
        const [pgb] = (await query(out.poolerAdminUri, "SHOW CONFIG")).filter((r) => r.key === "auth_type");
        expect(pgb.value).toBe("scram-sha-256");
    });

    /** Every TCP endpoint a client logs in at, with the owner's (or the console admin's) credentials. */
    const clientEndpoints = () => {
        const u = (uri: string) => new URL(uri);
        return [
            ...out.members.map((m) => ({ what: `${m.name} (direct)`, port: m.pgPort, user: "app", db: "appdb", pw: passwords.owner })),
            { what: "HAProxy primary", port: Number(u(out.primaryUri).port), user: "app", db: "appdb", pw: passwords.owner },
            { what: "HAProxy replicas", port: Number(u(out.replicaUri).port), user: "app", db: "appdb", pw: passwords.owner },
            { what: "PgBouncer", port: Number(u(out.poolerUri).port), user: "app", db: "appdb", pw: passwords.owner },
            { what: "PgBouncer console", port: Number(u(out.poolerAdminUri).port), user: "pgscale_admin", db: "pgbouncer", pw: passwords.poolerAdmin },
        ];
    };

    it("refuses every TCP client without TLS, before authentication, at each member, HAProxy and PgBouncer", async () => {
        for (const e of clientEndpoints()) {
            const first = await authRequest("127.0.0.1", e.port, e.user, e.db, "plain");
            expect({ what: e.what, first }).toEqual({ what: e.what, first: { kind: "error", message: expect.stringMatching(/no encryption|SSL required/) } });
        }
        // libpq's sslmode=disable, with the right password, at each kind of endpoint.
        for (const uri of [memberUri(out.members[0], "appdb").replace(/postgres:[^@]*@/, `app:${passwords.owner}@`), out.primaryUri, out.replicaUri, out.poolerUri]) {
            const r = psql(uri, "sslmode=disable", "SELECT 1");
            expect({ port: new URL(uri).port, status: r.status, stderr: r.stderr }).toEqual({ port: new URL(uri).port, status: 2, stderr: expect.stringMatching(/no encryption|SSL required/) });
        }
    });

    it("logs clients in over TLS with the URIs as exported (sslmode=require), and verifies with tlsCaPem (verify-full); another CA fails", () => {
        const ssl = "SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()";
        for (const uri of [out.primaryUri, out.replicaUri, out.poolerUri]) {
            expect(new URL(uri).searchParams.get("sslmode")).toBe("require");
            const asIs = spawnSync("psql", [uri, "-Atc", ssl], { encoding: "utf8", env: { ...process.env, PGCONNECT_TIMEOUT: "10" } });
            // Through PgBouncer the query runs on its server connection, which is TLS too (verify-full).
            expect({ status: asIs.status, stderr: asIs.stderr, out: asIs.stdout.trim() }).toEqual({ status: 0, stderr: "", out: "t" });
            const verified = psql(uri, `sslmode=verify-full&sslrootcert=${caFile}`, ssl);
            expect({ status: verified.status, stderr: verified.stderr, out: verified.stdout.trim() }).toEqual({ status: 0, stderr: "", out: "t" });
            const other = psql(uri, `sslmode=verify-full&sslrootcert=${otherCaFile}`, "SELECT 1");
            expect({ status: other.status, stderr: other.stderr }).toEqual({ status: 2, stderr: expect.stringMatching(/certificate verify failed/) });
        }
    });

    it("replicates over TLS, and PgBouncer verifies the servers' names", async () => {
        const primary = (await Promise.all(out.members.map(async (m) => ((await query(memberUri(m), "SELECT pg_is_in_recovery() AS r"))[0].r ? [] : [m])))).flat();
        expect(primary).toHaveLength(1);
        const walsenders = await query(memberUri(primary[0]), "SELECT s.ssl, r.application_name FROM pg_stat_replication r JOIN pg_stat_ssl s USING (pid)");
        expect(walsenders).toEqual([{ ssl: true, application_name: expect.stringMatching(/^pg-[01]$/) }]);
        const config = Object.fromEntries((await query(out.poolerAdminUri, "SHOW CONFIG")).map((r) => [r.key, r.value]));
        expect({ client: config.client_tls_sslmode, server: config.server_tls_sslmode }).toEqual({ client: "require", server: "verify-full" });
    });

    it("keeps TLS private keys 0600 under the service user, and out of the stored state", () => {
        const keys: Array<[string, string]> = [
            ...out.members.map((m) => [m.container, "/var/run/postgresql/tls/server.key"] as [string, string]),
            [out.containers[out.containers.length - 1], "/var/run/pgbouncer/tls/server.key"],
        ];
        const state = storedState(stack!);
        for (const [c, file] of keys) {
            expect(docker("exec", c, "stat", "-c", "%a %U", file)).toMatch(/^600 postgres$/);
            // A line of the key's base64 body is enough to recognise it.
            const line = docker("exec", c, "cat", file).split("\n")[1];
            expect(line.length).toBeGreaterThan(40);
            expect(state.includes(line)).toBe(false);
        }
        expect(execFileSync("openssl", ["x509", "-noout", "-subject"], { input: out.tlsCaPem, encoding: "utf8" })).toMatch(/pgscale/);
    });

    it("asks every TCP client for SCRAM-SHA-256 and refuses md5 and cleartext logins with the right password", async () => {
        const endpoints = [
            ...clientEndpoints(),
            { what: "superuser over TCP", port: out.members[0].pgPort, user: "postgres", db: "postgres", pw: passwords.superuser },
            { what: "replication role over TCP", port: out.members[0].pgPort, user: "replicator", db: "postgres", pw: passwords.replication },
        ];
        for (const e of endpoints) {
            // Inside TLS, as every client must come (the refusal of plaintext is the test above).
            const first = await authRequest("127.0.0.1", e.port, e.user, e.db, "tls");
            // PostgreSQL adds SCRAM-SHA-256-PLUS inside TLS (channel binding); nothing weaker is offered.
            expect({ what: e.what, first }).toEqual({ what: e.what, first: { kind: "auth", code: AUTH.sasl, mechanisms: expect.arrayContaining(["SCRAM-SHA-256"]) } });
            expect({ what: e.what, other: (first as { mechanisms: string[] }).mechanisms.filter((m) => !/^SCRAM-SHA-256(-PLUS)?$/.test(m)) }).toEqual({ what: e.what, other: [] });
            for (const method of ["md5", "cleartext"] as const) {
                const reply = await weakLogin("127.0.0.1", e.port, e.user, e.db, e.pw, method, "tls");
                expect({ what: e.what, method, refused: reply.kind === "error" || reply.kind === "closed" }).toEqual({ what: e.what, method, refused: true });
            }
        }
        // The same passwords do log in with SCRAM: the refusals above are about the method.
        expect((await query(out.poolerUri, "SELECT current_user AS u"))[0].u).toBe("app");
        expect((await query(out.primaryUri, "SELECT current_user AS u"))[0].u).toBe("app");
    });

    it("keeps every password and verifier out of the stored state, the engine's metadata and the logs", async () => {
        const [verifier] = await query(memberUri(out.members[0]), "SELECT rolpassword FROM pg_authid WHERE rolname = 'app'");
        const secrets = { ...passwords, ownerVerifier: verifier.rolpassword as string };
        const places = secretPlaces(stack!, out.containers);
        expect(places[0][1]).toContain("ciphertext"); // the secrets are there, encrypted
        expect(leaks(secrets, places)).toEqual([]);
    });

    it("runs every container, and every process in it, as a non-root user", () => {
        expect(out.containers.length).toBe(3 + 2 + 1 + 1);
        for (const c of out.containers) {
            const user = inspect(c).Config.User;
            expect({ c, user: user || "(root)" }).toEqual({ c, user: expect.not.stringMatching(/^(\(root\)|root|0)(:|$)/) });
            // docker top reads the host's process table: the uid is the kernel's, not a name.
            const uids = docker("top", c, "-o", "pid,uid").split("\n").slice(1).map((l) => Number(l.trim().split(/\s+/)[1]));
            expect(uids.length).toBeGreaterThan(0);
            expect({ c, rootProcesses: uids.filter((u) => u === 0).length }).toEqual({ c, rootProcesses: 0 });
        }
    });

    it("opens the stack's secrets with its own passphrase only: the demo's default is refused", () => {
        const show = (passphrase: string) => spawnSync("pulumi", ["stack", "output", "--show-secrets", "--json", "--stack", stack!.name], {
            cwd: stack!.workspace.workDir, encoding: "utf8",
            env: { ...process.env, ...stack!.workspace.envVars, PULUMI_CONFIG_PASSPHRASE: passphrase },
        });
        const own = stack!.workspace.envVars.PULUMI_CONFIG_PASSPHRASE;
        expect(own).toMatch(/^[A-Za-z0-9_-]{32}$/);
        expect(show(own).status).toBe(0);
        const refused = show("pgscale-local-demo");
        expect(refused.status).not.toBe(0);
        expect(refused.stderr).toMatch(/passphrase/i);
    });

    it("drops every Linux capability from every container, the bounding set of each process included (HAProxy keeps CAP_KILL for its reload)", () => {
        for (const c of out.containers) {
            const info = inspect(c);
            const haproxy = info.Config.User === "haproxy";
            const added = ((info.HostConfig.CapAdd ?? []) as string[]).map((cap) => cap.replace(/^CAP_/, ""));
            expect({ c, capDrop: info.HostConfig.CapDrop, capAdd: added }).toEqual({ c, capDrop: ["ALL"], capAdd: haproxy ? ["KILL"] : [] });
            // Docker's default bounding set (a80425fb) would show here for a container that kept it,
            // even when its non-root processes have no effective capability. CAP_KILL is bit 5.
            // runc's own init (`runc:[2:INIT]`, of a healthcheck's or this test's `docker exec`) shows
            // in the container's /proc between joining it and applying its capabilities: not a
            // process of the container's, so it is left out. A process may end mid-read.
            const status = docker("exec", c, "sh", "-c",
                "for f in /proc/[0-9]*/status; do case \"$(sed -n 's/^Name:[[:space:]]*//p' \"$f\" 2>/dev/null)\" in runc:*) continue ;; esac; " +
                "grep -sH '^Cap\\(Bnd\\|Eff\\|Prm\\):' \"$f\"; done; exit 0");
            const lines = status.trim().split("\n");
            expect(lines.length).toBeGreaterThanOrEqual(3);
            const allowed = (l: string) => (/CapBnd:/.test(l) && haproxy ? /:\s*0{14}20$/ : /:\s*0{16}$/).test(l);
            expect({ c, held: lines.filter((l) => !allowed(l)) }).toEqual({ c, held: [] });
        }
    });

    it("serves HAProxy's stats page only to its user with the generated password; the file holds a crypt hash", async () => {
        const status = (credentials?: string) => new Promise<number>((resolve, reject) => {
            const req = http.get(out.statsUrl, { headers: credentials ? { Authorization: `Basic ${Buffer.from(credentials).toString("base64")}` } : {} }, (res) => {
                res.resume();
                resolve(res.statusCode ?? 0);
            });
            req.on("error", reject);
        });
        expect(out.statsUser).toBe("stats");
        expect(await status()).toBe(401);
        expect(await status(`${out.statsUser}:not-${out.statsPassword}`)).toBe(401);
        expect(await status(`${out.statsUser}:${out.statsPassword}`)).toBe(200);
        const cfg = docker("exec", out.containers.find((c) => inspect(c).Config.User === "haproxy")!, "cat", "/etc/haproxy/haproxy.cfg");
        expect(cfg).toMatch(/user stats password \$6\$/);
    });

    it("publishes host ports on 127.0.0.1 only", () => {
        let published = 0;
        for (const c of out.containers) {
            const info = inspect(c);
            for (const [port, bindings] of Object.entries((info.HostConfig.PortBindings ?? {}) as Record<string, Array<{ HostIp: string }>>)) {
                for (const b of bindings) expect({ c, port, ip: b.HostIp }).toEqual({ c, port, ip: "127.0.0.1" });
            }
            for (const [port, bindings] of Object.entries((info.NetworkSettings.Ports ?? {}) as Record<string, Array<{ HostIp: string }> | null>)) {
                for (const b of bindings ?? []) {
                    published++;
                    expect({ c, port, ip: b.HostIp }).toEqual({ c, port, ip: "127.0.0.1" });
                }
            }
        }
        // PostgreSQL and the REST API of 2 members, HAProxy's 3 listeners, PgBouncer; etcd none.
        expect(published).toBe(2 * 2 + 3 + 1);
    });

    describe("an intruder on the stack's network", () => {
        /** Runs a throwaway container on the stack's network (removed afterwards); returns its exit status and output. */
        const intruder = (image: string, user: string, ...cmd: string[]) => {
            const r = spawnSync("docker", ["run", "--rm", "--network", out.network, "--user", user, "--cap-drop", "ALL", image, ...cmd], { encoding: "utf8", timeout: 60_000 });
            return { status: r.status, output: `${r.stdout}${r.stderr}` };
        };
        const etcd = "dcs-0:2379";
        const leaderKey = () => `/service/${out.scope}/leader`;
        const etcdctl = (...args: string[]) => intruder(out.etcdImage, "etcd", "etcdctl", "--dial-timeout=3s", "--command-timeout=5s", ...args);
        // The intruder does not have the CA: it skips verification, which gains it nothing.
        // (etcdctl 3.4 dials https endpoints without TLS unless told --insecure-transport=false.)
        const overTls = [`--endpoints=https://${etcd}`, "--insecure-transport=false", "--insecure-skip-tls-verify"];

        it("cannot read or rewrite Patroni's leader key in etcd without credentials", () => {
            const read = etcdctl(...overTls, "get", leaderKey());
            expect(read).toEqual({ status: 1, output: expect.stringMatching(/user name is empty/) });
            const write = etcdctl(...overTls, "put", leaderKey(), "intruder");
            expect(write).toEqual({ status: 1, output: expect.stringMatching(/user name is empty/) });
            // Guessing the root password does not help either.
            const guess = etcdctl(...overTls, "--user", "root:not-the-password", "put", leaderKey(), "intruder");
            expect(guess.status).not.toBe(0);
            expect(guess.output).toMatch(/invalid user ID or password/);
        });

        it("cannot talk to etcd in plain HTTP", () => {
            const plain = etcdctl(`--endpoints=http://${etcd}`, "get", leaderKey());
            expect(plain.status).not.toBe(0);
            expect(plain.output).not.toMatch(/user name is empty/); // not even an answer: the TLS handshake is missing
        });

        it("with the cluster's own etcd credentials, reaches its scope's keys and nothing else", () => {
            const scopeUser = [...overTls, "--user", `patroni-${out.scope}:${passwords.etcdScope}`];
            const own = etcdctl(...scopeUser, "get", leaderKey(), "--print-value-only");
            expect(own.status).toBe(0);
            expect(own.output.trim().split("\n").pop()).toMatch(/^pg-[01]$/); // the leader's name: the user works
            expect(etcdctl(...scopeUser, "put", "/service/another-cluster/leader", "intruder")).toEqual({ status: 1, output: expect.stringMatching(/permission denied/) });
            expect(etcdctl(...scopeUser, "get", "/service/", "--prefix")).toEqual({ status: 1, output: expect.stringMatching(/permission denied/) });
            expect(etcdctl(...scopeUser, "user", "list")).toEqual({ status: 1, output: expect.stringMatching(/permission denied/) });
        });

        it("cannot join etcd as a peer without a certificate from the cluster's CA", () => {
            // etcd's peer listener serves its member list to peers; without --peer-client-cert-auth
            // this would answer 200 with the list. It refuses the handshake of a client without a certificate.
            const member = inspect(out.members[0].container).Config.Image as string;
            const peer = intruder(member, "postgres", "sh", "-c", "curl -sk -o /dev/null -w '%{http_code}' https://dcs-0:2380/members; echo \" exit=$?\"");
            expect(peer.output).toMatch(/^000 exit=(35|56)$/m);
        });

        /**
         * curl from a member's image (the etcd image has none) on the stack's network; `ca`: the
         * cluster's CA (public) written to a file first, else curl trusts only the system's CAs.
         * Prints the HTTP status (000: no HTTP answer) and curl's exit status.
         */
        const curl = (url: string, opts: { ca?: string; args?: string[] } = {}) => {
            const member = inspect(out.members[0].container).Config.Image as string;
            const args = [...(opts.ca ? ["--cacert", "/tmp/ca.pem"] : []), ...(opts.args ?? [])].map((a) => `'${a.replace(/'/g, "'\\''")}'`).join(" ");
            const script = `${opts.ca ? `printf '%s' "$CA" > /tmp/ca.pem; ` : ""}curl -s -o /dev/null -w '%{http_code}' --max-time 5 ${args} '${url}'; echo " exit=$?"`;
            const r = spawnSync("docker", ["run", "--rm", "--network", out.network, "--user", "postgres", "--cap-drop", "ALL", ...(opts.ca ? ["-e", "CA"] : []), member, "sh", "-c", script],
                { encoding: "utf8", timeout: 60_000, env: { ...process.env, ...(opts.ca ? { CA: opts.ca } : {}) } });
            return `${r.stdout}${r.stderr}`.trim();
        };
        const post = (url: string, auth: string) => curl(url, { ca: out.restApiCaPem, args: [...(auth ? ["-u", auth] : []), "-X", "POST", "-H", "Content-Type: application/json", "-d", JSON.stringify({ leader: "pg-0" })] });

        it("gets no answer from Patroni's REST API in plain HTTP, on the network or on the published port", async () => {
            // Patroni's socket expects a TLS handshake: a plain request is dropped without an HTTP answer.
            expect(curl("http://pg-0:8008/health")).toMatch(/^000 exit=(52|56)$/);
            expect(curl("http://pg-0:8008/switchover", { args: ["-u", `patroni:${out.restApiPassword}`, "-X", "POST", "-d", "{}"] })).toMatch(/^000 exit=(52|56)$/);
            const published = out.members[0].restUrl.replace(/^https:/, "http:");
            await expect(patroniRequest(patroniHttp, published, "/health", { timeoutMs: 5000 })).rejects.toThrow();
        });

        it("is served Patroni's REST API over HTTPS, verified against the cluster's CA on the member's name", async () => {
            expect(curl("https://pg-0:8008/health", { ca: out.restApiCaPem })).toMatch(/^200 exit=0$/);
            // From this machine, at the published port: the certificate names 127.0.0.1.
            const res = await patroniRequest(patroniHttp, out.members[0].restUrl, "/cluster", { ca: out.restApiCaPem });
            expect(res.status).toBe(200);
            expect(out.members[0].restUrl).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
        });

        it("fails to verify Patroni's certificate without the cluster's CA", async () => {
            // curl with the system's CAs: exit 60 (certificate verify failed), no HTTP answer.
            expect(curl("https://pg-0:8008/health")).toBe("000 exit=60");
            // Another CA pgscale generated (etcd's) does not vouch for a member either.
            await expect(patroniRequest(patroniHttp, out.members[0].restUrl, "/health", { ca: out.etcdTlsCaPem })).rejects.toThrow(/self[- ]signed|unable to verify|certificate/i);
            // The right CA on a name the certificate does not carry fails too (the container's IP).
            const ip = inspect(out.members[0].container).NetworkSettings.Networks[out.network].IPAddress as string;
            expect(curl(`https://${ip}:8008/health`, { ca: out.restApiCaPem })).toMatch(/^000 exit=(51|60)$/);
        });

        it("cannot reach PostgreSQL or PgBouncer without TLS on the network (sslmode=disable), and is verified on the services' names with the CA", () => {
            const member = inspect(out.members[0].container).Config.Image as string;
            const pw = encodeURIComponent(passwords.owner);
            // pg-0 directly; HAProxy's primary listener by the cluster's name, which its members'
            // certificates carry (HAProxy passes TLS through to them); PgBouncer (pool:6432).
            const targets = ["pg-0:5432", "pg:5000", "pool:6432"];
            const script = targets.map((t) =>
                `psql "postgresql://app:${pw}@${t}/appdb?sslmode=disable" -Atc 'SELECT 1' 2>&1 | tail -1; ` +
                `printf '%s' "$CA" > /tmp/ca.pem; psql "postgresql://app:${pw}@${t}/appdb?sslmode=verify-full&sslrootcert=/tmp/ca.pem" -Atc 'SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()' 2>&1; `).join("");
            const r = spawnSync("docker", ["run", "--rm", "--network", out.network, "--user", "postgres", "--cap-drop", "ALL", "-e", "CA", "-e", "PGCONNECT_TIMEOUT=5", member, "sh", "-c", script],
                { encoding: "utf8", timeout: 60_000, env: { ...process.env, CA: out.tlsCaPem } });
            const lines = r.stdout.trim().split("\n");
            expect(lines).toHaveLength(2 * targets.length);
            targets.forEach((t, i) => {
                expect({ t, plain: lines[2 * i] }).toEqual({ t, plain: expect.stringMatching(/no encryption|SSL required/) });
                expect({ t, verified: lines[2 * i + 1] }).toEqual({ t, verified: "t" });
            });
        });

        it("cannot call Patroni's switchover without credentials, over HTTPS", () => {
            expect(post("https://pg-0:8008/switchover", "")).toBe("401 exit=0");
            expect(post("https://pg-0:8008/switchover", `patroni:not-${out.restApiPassword}`)).toBe("401 exit=0");
        });
    });

    // Last: it renews the certificates the tests above checked.
    describe("certificate rotation", () => {
        /** The serial of the certificate a server presents at a loopback port (PostgreSQL's protocol with `starttls`). */
        const servedCert = (port: number, starttls = true) =>
            spawnSync("bash", ["-c", `openssl s_client -connect 127.0.0.1:${port}${starttls ? " -starttls postgres" : ""} </dev/null 2>/dev/null | openssl x509`], { encoding: "utf8", timeout: 20_000 }).stdout;
        const servedSerial = (port: number, starttls = true) => {
            const pem = servedCert(port, starttls);
            return pem.includes("BEGIN CERTIFICATE") ? certificateValidity(pem).serial : "";
        };
        const poolContainer = () => out.containers[out.containers.length - 1];
        const poolPort = () => Number(new URL(out.poolerUri).port);
        const startedAt = (c: string) => inspect(c).State.StartedAt as string;
        /** What a restart or a new certificate would change, per member and for the pool. */
        const snapshot = async () => ({
            members: await Promise.all(out.members.map(async (m) => ({
                member: m.name,
                startedAt: startedAt(m.container),
                postmaster: (await query(memberUri(m), "SELECT pg_postmaster_start_time()::text AS t"))[0].t as string,
                pg: servedSerial(m.pgPort),
                rest: servedSerial(Number(new URL(m.restUrl).port), false),
            }))),
            pool: { startedAt: startedAt(poolContainer()), serial: servedSerial(poolPort()) },
        });

        /** The certificates in a PEM bundle, in order. */
        const pems = (bundle: string) => bundle.match(/-----BEGIN CERTIFICATE-----[^-]+-----END CERTIFICATE-----/g) ?? [];
        /** A trust file in a container (trimmed, as `docker` returns it). */
        const trustFile = (container: string, file: string) => docker("exec", container, "cat", file);
        /** Sets `key` and runs `up`: its ops as [resource, op], sorted (no provider: the dynamic providers' own takes the stack's config, which just changed; no unchanged resource); `out` anew. */
        const upWith = async (key: string, value: string) => {
            await stack!.setConfig(key, { value });
            const ops: Array<[string, string]> = [];
            const res = await stack!.up({
                onOutput: () => undefined,
                onEvent: (e) => {
                    const m = e.resourcePreEvent?.metadata;
                    if (m && m.op !== "same" && m.op !== "read" && !m.type.startsWith("pulumi:providers:")) ops.push([m.urn.split("::").pop()!, m.op]);
                },
            });
            expect(res.summary.result).toBe("succeeded");
            out = plainOutputs(res.outputs) as Outputs;
            // What the tests after this one verify with: the current bundle.
            fs.writeFileSync(caFile, out.tlsCaPem);
            return ops.sort();
        };
        /** psql verify-full against `ca` (a PEM) to a member's or the pool's loopback port: "t" when it verified and runs over TLS. */
        const verifiedWith = (uri: string, ca: string) => {
            const f = path.join(dir, `ca-${Date.now()}-${Math.random().toString(36).slice(2)}.pem`);
            fs.writeFileSync(f, ca);
            const r = psql(uri, `sslmode=verify-full&sslrootcert=${f}`, "SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()");
            return r.status === 0 ? r.stdout.trim() : r.stderr.trim();
        };
        const issuedBy = (pem: string, ca: string) => pem.includes("BEGIN CERTIFICATE") && new X509Certificate(pem).checkIssued(new X509Certificate(ca));
        const poolUri = () => out.poolerUri;
        /** Runs `fn` with a session open on a member and one through PgBouncer (verify-full with `caFile`), and checks both go on after it. */
        const sessionsKept = async (fn: () => Promise<void>) => {
            const { Client } = await import("pg");
            const direct = new Client({ connectionString: `${memberUri(out.members[0])}&sslmode=verify-full&sslrootcert=${caFile}` });
            const pooled = new Client({ connectionString: `${out.poolerUri.split("?")[0]}?sslmode=verify-full&sslrootcert=${caFile}` });
            await direct.connect();
            await pooled.connect();
            try {
                await fn();
                expect((await direct.query("SELECT 1 AS one")).rows).toEqual([{ one: 1 }]);
                expect((await pooled.query("SELECT 2 AS two")).rows).toEqual([{ two: 2 }]);
            } finally {
                await direct.end().catch(() => undefined);
                await pooled.end().catch(() => undefined);
            }
        };
        /**
         * What etcd member `i` presents on its client port, seen from a PostgreSQL member on the
         * stack's network (etcd publishes no port), and whether a client trusting only `ca` (PEM)
         * verifies it on the member's name: "ok", else "refused".
         */
        const etcdMember = (i: number) => `dcs-${i}`;
        const etcdServed = (i: number) => {
            // A member that accepts the connection but never completes the handshake presents nothing (after 10 s).
            const pem = docker("exec", out.members[0].container, "sh", "-c", `timeout 10 openssl s_client -connect ${etcdMember(i)}:2379 -servername ${etcdMember(i)} </dev/null 2>/dev/null | openssl x509 2>/dev/null; true`);
            return pem.includes("BEGIN CERTIFICATE") ? { serial: certificateValidity(pem).serial, issuer: new X509Certificate(pem).issuer, pem } : { serial: "", issuer: "", pem };
        };
        const etcdVerifiedWith = (i: number, ca: string) => spawnSync("docker", ["exec", "-e", "CA", out.members[0].container, "sh", "-c",
            `f=$(mktemp); printf '%s' "$CA" > $f; timeout 10 openssl s_client -connect ${etcdMember(i)}:2379 -verify_hostname ${etcdMember(i)} -CAfile $f -verify_return_error </dev/null >/dev/null 2>&1 && echo ok || echo refused; rm -f $f`],
        { encoding: "utf8", timeout: 20_000, env: { ...process.env, CA: ca } }).stdout.trim();
        /** The etcd members' start times and served certificates. */
        const at = (m: { startedAt: string }) => Date.parse(m.startedAt);
        const etcdSnapshot = () => out.etcdContainers.map((c, i) => ({ member: etcdMember(i), startedAt: startedAt(c), ...etcdServed(i) }));
        /** Patroni's leader (the holder of its leader key in etcd) and timeline: a failover changes both. */
        const patroniLeader = async () => {
            const members = (await patroniRequest(patroniHttp, out.members[0].restUrl, "/cluster", { ca: out.restApiCaPem })).body.members as Array<{ name: string; role: string; timeline?: number }>;
            return members.filter((m) => m.role === "leader").map((m) => ({ name: m.name, timeline: m.timeline }));
        };
        // The rolling gates store the new CA (their delete talks to the members with it), and wait on nothing.
        // etcd's certificates renew and its CA rotates by the same settings, delivered in place.
        const etcdOps = ["dcs-0-tls-files", "dcs-1-tls-files", "dcs-2-tls-files", "dcs-tls"];
        const rotationOps = [
            ...etcdOps, "lb-config", "pg-0-gate", "pg-0-tls", "pg-0-tls-files", "pg-1-gate", "pg-1-tls", "pg-1-tls-files", "pg-rollout-settled", "pg-tls", "pool-tls", "pool-tls-files",
        ].map((n) => [n, "update"]);

        it("rotates the CA on a raised tls.caGeneration, in place: the old CA stays trusted for one rotation, then leaves", async () => {
            const original = out.tlsCaPem;
            expect(pems(original)).toHaveLength(1);
            const before = await snapshot();
            const etcdOriginal = out.etcdTlsCaPem;
            expect(pems(etcdOriginal)).toHaveLength(1);
            const etcdBefore = etcdSnapshot();
            const leaderBefore = await patroniLeader();
            expect(leaderBefore).toEqual([{ name: expect.stringMatching(/^pg-[01]$/), timeline: expect.any(Number) }]);
            // A session opened before on a member and one through PgBouncer go on.
            await sessionsKept(async () => {
                // The certificates, their delivery and HAProxy's CA bundle, as updates; no container.
                expect(await upWith("tlsCaGeneration", "1")).toEqual(rotationOps);
                // No failover: Patroni kept its leader key while etcd's members restarted (below).
                expect(await patroniLeader()).toEqual(leaderBefore);
                // The outputs clients verify with: the new CA, then the old one.
                const bundle = out.tlsCaPem;
                const [rotated, kept] = pems(bundle) as [string, string];
                expect({ certificates: pems(bundle).length, kept, rest: out.restApiCaPem }).toEqual({ certificates: 2, kept: pems(original)[0]!, rest: bundle });
                expect(new X509Certificate(rotated).subject).toBe(`${new X509Certificate(original).subject} #1`);
                // Every trust file holds the bundle: the members' (replication, rewind, Patroni's
                // calls), the pool's (its server connections) and HAProxy's (its checks).
                for (const m of out.members) expect({ m: m.name, ca: trustFile(m.container, "/var/run/postgresql/tls/ca.crt") }).toEqual({ m: m.name, ca: bundle.trim() });
                expect(trustFile(poolContainer(), "/var/run/pgbouncer/tls/ca.crt")).toBe(bundle.trim());
                expect(trustFile(out.containers[out.containers.length - 2], "/etc/haproxy/patroni-ca.crt")).toBe(bundle.trim());

                // Every member (PostgreSQL and REST) and the pool present a certificate of the new CA,
                // nothing restarted; it verifies against the bundle, and against the old CA alone
                // (the new CA's certificate cross-signed by the old one is served after it).
                const after = await snapshot();
                after.members.forEach((m, i) => {
                    const was = before.members[i];
                    expect({ member: m.member, startedAt: m.startedAt, postmaster: m.postmaster }).toEqual({ member: was.member, startedAt: was.startedAt, postmaster: was.postmaster });
                    expect({ member: m.member, rest: m.rest }).toEqual({ member: m.member, rest: m.pg });
                });
                expect(after.pool.startedAt).toBe(before.pool.startedAt);
                for (const m of out.members) {
                    expect({ m: m.name, pg: issuedBy(servedCert(m.pgPort), rotated), rest: issuedBy(servedCert(Number(new URL(m.restUrl).port), false), rotated) })
                        .toEqual({ m: m.name, pg: true, rest: true });
                    expect({ m: m.name, bundle: verifiedWith(memberUri(m), bundle), pinned: verifiedWith(memberUri(m), original) }).toEqual({ m: m.name, bundle: "t", pinned: "t" });
                }
                expect(issuedBy(servedCert(poolPort()), rotated)).toBe(true);
                expect({ bundle: verifiedWith(poolUri(), bundle), pinned: verifiedWith(poolUri(), original) }).toEqual({ bundle: "t", pinned: "t" });
                // pgscale's own REST client, with the bundle output.
                expect((await patroniRequest(patroniHttp, out.members[0].restUrl, "/patroni", { ca: out.restApiCaPem })).status).toBe(200);

                // etcd: its members present certificates of its new CA, which every etcd client
                // trusts with the old one (Patroni's file, and the output); each member restarted
                // once, one after another (etcd reads its peers' CA only when it starts).
                const [etcdRotated, etcdKept] = pems(out.etcdTlsCaPem) as [string, string];
                expect({ certificates: pems(out.etcdTlsCaPem).length, kept: etcdKept }).toEqual({ certificates: 2, kept: pems(etcdOriginal)[0] });
                const etcdAfter = etcdSnapshot();
                etcdAfter.forEach((m, i) => {
                    expect({ member: m.member, issuer: m.issuer, renewed: m.serial !== etcdBefore[i].serial && m.serial !== "" })
                        .toEqual({ member: m.member, issuer: new X509Certificate(etcdRotated).subject, renewed: true });
                    expect({ member: m.member, restarted: at(m) > at(etcdBefore[i]), afterPrevious: i === 0 || at(m) > at(etcdAfter[i - 1]) })
                        .toEqual({ member: m.member, restarted: true, afterPrevious: true });
                    expect({ member: m.member, ca: trustFile(out.etcdContainers[i], "/etc/pgscale/etcd-tls/ca.crt") }).toEqual({ member: m.member, ca: out.etcdTlsCaPem.trim() });
                    expect({ member: m.member, pinned: etcdVerifiedWith(i, etcdOriginal), bundle: etcdVerifiedWith(i, out.etcdTlsCaPem) }).toEqual({ member: m.member, pinned: "ok", bundle: "ok" });
                });
                for (const m of out.members) expect({ m: m.name, ca: trustFile(m.container, "/etc/patroni/etcd-ca.crt") }).toEqual({ m: m.name, ca: out.etcdTlsCaPem.trim() });
            });
            // Replication streams over TLS, and a replica connecting anew verifies the rotated primary
            // with its bundle (verify-full): its walsender is cut and comes back.
            const inRecovery = await Promise.all(out.members.map(async (m) => (await query(memberUri(m), "SELECT pg_is_in_recovery() AS r"))[0].r as boolean));
            const leader = out.members[inRecovery.indexOf(false)];
            const streaming = async () => (await query(memberUri(leader),
                "SELECT count(*)::int AS n FROM pg_stat_replication r JOIN pg_stat_ssl s USING (pid) WHERE r.state = 'streaming' AND s.ssl"))[0].n as number;
            expect(await streaming()).toBe(1);
            const cut = await query(memberUri(leader), "SELECT pid, backend_start::text AS s FROM pg_stat_replication");
            await query(memberUri(leader), "SELECT pg_terminate_backend(pid) FROM pg_stat_replication");
            await eventually(async () => {
                const now = await query(memberUri(leader), "SELECT backend_start::text AS s FROM pg_stat_replication r JOIN pg_stat_ssl s USING (pid) WHERE r.state = 'streaming' AND s.ssl");
                return now.length === 1 && now[0].s !== cut[0].s ? true : undefined;
            }, 30_000, "the replica streaming again over TLS after its walsender was cut", 250);

            // The next rotation drops the original CA: from the outputs, every trust file, and a
            // client pinned to it no longer verifies.
            const firstBundle = out.tlsCaPem;
            const etcdFirstRotation = etcdSnapshot();
            expect(await upWith("tlsCaGeneration", "2")).toEqual(rotationOps);
            // etcd: a client trusting only the original CA is refused; its peers (restarted with the
            // first rotation's bundle) and Patroni (the current bundle) are not.
            const etcdSecond = pems(out.etcdTlsCaPem)[0]!;
            expect(out.etcdTlsCaPem.includes(pems(etcdOriginal)[0]!)).toBe(false);
            etcdSnapshot().forEach((m, i) => {
                expect({ member: m.member, pinned: etcdVerifiedWith(i, etcdOriginal), bundle: etcdVerifiedWith(i, out.etcdTlsCaPem) }).toEqual({ member: m.member, pinned: "refused", bundle: "ok" });
                expect({ member: m.member, issuer: m.issuer, renewed: m.serial !== etcdFirstRotation[i].serial, restarted: at(m) > at(etcdFirstRotation[i]) })
                    .toEqual({ member: m.member, issuer: new X509Certificate(etcdSecond).subject, renewed: true, restarted: true });
            });
            expect(await patroniLeader()).toEqual(leaderBefore);
            const [second, previous] = pems(out.tlsCaPem) as [string, string];
            expect({ certificates: pems(out.tlsCaPem).length, previous, holdsOriginal: out.tlsCaPem.includes(pems(original)[0]!) })
                .toEqual({ certificates: 2, previous: pems(firstBundle)[0], holdsOriginal: false });
            for (const m of out.members) expect(trustFile(m.container, "/var/run/postgresql/tls/ca.crt").includes(pems(original)[0]!)).toBe(false);
            expect(trustFile(poolContainer(), "/var/run/pgbouncer/tls/ca.crt")).toBe(out.tlsCaPem.trim());
            expect(issuedBy(servedCert(out.members[0].pgPort), second)).toBe(true);
            expect(verifiedWith(memberUri(out.members[0]), out.tlsCaPem)).toBe("t");
            expect(verifiedWith(memberUri(out.members[0]), original)).toMatch(/certificate verify failed/);
            expect(verifiedWith(poolUri(), original)).toMatch(/certificate verify failed/);
        });

        it("renews the members' and the pool's certificates on the up past the renewal point, in place: served anew, nothing restarted, sessions kept", async () => {
            const before = await snapshot();
            const etcdBefore = etcdSnapshot();
            const leaderBefore = await patroniLeader();
            for (const m of before.members) expect(m.pg).toMatch(/^[0-9A-F]{20,}$/);
            expect(new Set([...before.members.flatMap((m) => [m.pg, m.rest]), before.pool.serial]).size).toBe(before.members.length + 1);
            // Sessions opened before: on a member directly, and through PgBouncer.
            let after: Awaited<ReturnType<typeof snapshot>> | undefined;
            await sessionsKept(async () => {
                // Renewing once less than 99.9999% of the lifetime is left puts the point ~8 s after
                // issue; run alone, this test may get here sooner: wait until every certificate is past it.
                const fraction = 0.999999;
                const point = Math.max(...[...out.members.map((m) => m.pgPort), poolPort()].map((p) => servedCert(p)).concat(etcdBefore.map((m) => m.pem))
                    .map((pem) => renewalPoint(pem, fraction).getTime()));
                if (point > Date.now()) await new Promise((r) => setTimeout(r, point - Date.now() + 100));
                // The certificates and their delivery into the running containers, as updates; no
                // container. The CA, made by the rotation above less than 5 minutes ago, is not due
                // (a millionth of its 10 years).
                expect(await upWith("tlsRenewBeforeFraction", String(fraction))).toEqual([
                    ...etcdOps, "pg-0-tls", "pg-0-tls-files", "pg-1-tls", "pg-1-tls-files", "pool-tls", "pool-tls-files",
                ].map((n) => [n, "update"]));
                // etcd's members present renewed certificates of the same CA, taken on new handshakes:
                // no member restarted, and Patroni kept its leader key.
                etcdSnapshot().forEach((m, i) => {
                    const was = etcdBefore[i];
                    expect({ member: m.member, startedAt: m.startedAt, issuer: m.issuer, renewed: m.serial !== was.serial && m.serial !== "" })
                        .toEqual({ member: was.member, startedAt: was.startedAt, issuer: was.issuer, renewed: true });
                });
                expect(await patroniLeader()).toEqual(leaderBefore);

                after = await snapshot();
                after.members.forEach((m, i) => {
                    const was = before.members[i];
                    expect({ member: m.member, startedAt: m.startedAt, postmaster: m.postmaster }).toEqual({ member: was.member, startedAt: was.startedAt, postmaster: was.postmaster });
                    expect(m.pg).not.toBe(was.pg);
                    expect(m.pg).toMatch(/^[0-9A-F]{20,}$/);
                    // PostgreSQL and the REST API share the member's certificate.
                    expect(m.rest).toBe(m.pg);
                });
                expect(after.pool.startedAt).toBe(before.pool.startedAt);
                expect(after.pool.serial).not.toBe(before.pool.serial);
                expect(after.pool.serial).toMatch(/^[0-9A-F]{20,}$/);
                // The renewed certificates verify in full against the same CA.
                for (const m of out.members) {
                    const r = psql(memberUri(m), `sslmode=verify-full&sslrootcert=${caFile}`, "SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()");
                    expect({ m: m.name, out: r.stdout.trim(), err: r.stderr.trim() }).toEqual({ m: m.name, out: "t", err: "" });
                }
            });
            // A container restarted later starts with the renewed certificate (kept where it starts
            // from). A restart moves the Docker-picked host ports: read them again.
            const inRecovery = await Promise.all(out.members.map(async (m) => (await query(memberUri(m), "SELECT pg_is_in_recovery() AS r"))[0].r as boolean));
            const restarted = out.members[inRecovery.indexOf(true)]; // a replica: no failover
            docker("restart", restarted.container);
            // PgBouncer's SIGTERM waits for its clients to leave: killed after 1 s, as a crash would.
            docker("restart", "-t", "1", poolContainer());
            const hostPortOf = (c: string, port: number) => Number(docker("port", c, `${port}/tcp`).trim().split(":").pop());
            const renewed = after!.members.find((m) => m.member === restarted.name)!.pg;
            await eventually(async () => servedSerial(hostPortOf(restarted.container, 5432)) === renewed, 60_000, `${restarted.name} serving after its restart`, 500);
            await eventually(async () => servedSerial(hostPortOf(poolContainer(), 6432)) === after!.pool.serial, 30_000, "the pool serving after its restart", 250);
        });
    });
});
