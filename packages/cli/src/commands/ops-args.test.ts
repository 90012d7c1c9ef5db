// Argument errors of doctor, status, switchover and backup, run in-process as `pgscale` dispatches them.
import * as fs from "fs";
import * as https from "https";
import * as os from "os";
import * as path from "path";
import { createServer } from "net";
import { IMAGE_NAMES, generateCa, generateServerCert } from "@pgscale/core";
import { Io } from "../io";
import { run } from "../run";
import { COMMANDS } from ".";

function capture(): Io & { stdout: string[]; stderr: string[] } {
    const stdout: string[] = [];
    const stderr: string[] = [];
    return { stdout, stderr, out: (t) => stdout.push(t), err: (t) => stderr.push(t) };
}

async function pgscale(...argv: string[]) {
    const io = capture();
    const code = await run(argv, io, COMMANDS);
    return { code, stdout: io.stdout.join("\n"), stderr: io.stderr.join("\n") };
}

/** A port nothing listens on: bound, then closed. */
async function closedPort(): Promise<number> {
    const server = createServer();
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    const { port } = server.address() as { port: number };
    await new Promise((r) => server.close(r));
    return port;
}

const errorsOf = (stdout: string) => (JSON.parse(stdout).errors as Array<{ option: string; message: string }>).map((e) => [e.option, e.message]);

describe("pgscale doctor arguments", () => {
    test("--prometheus must be http(s); --window is whole minutes and needs --prometheus", async () => {
        const p = ["--primary-uri", "postgresql://u:p@127.0.0.1:1/db"];
        const bad = await pgscale("doctor", ...p, "--prometheus", "tcp://x:9090", "--window", "0", "--json");
        expect(bad.code).toBe(2);
        expect(errorsOf(bad.stdout).map(([o]) => o)).toEqual(["--prometheus", "--window"]);
        expect(errorsOf((await pgscale("doctor", ...p, "--window", "5", "--json")).stdout)).toEqual([["--window", "applies only with --prometheus"]]);
    });

    test("--backup-container must be a container name", async () => {
        const bad = await pgscale("doctor", "--primary-uri", "postgresql://u:p@127.0.0.1:1/db", "--backup-container", "pg 0", "--json");
        expect(bad.code).toBe(2);
        expect(errorsOf(bad.stdout)).toEqual([["--backup-container", '"pg 0" is not a container name or ID']]);
    });

    test("--primary-uri is required, and the message names its environment variable", async () => {
        const r = await pgscale("doctor");
        expect(r.code).toBe(2);
        expect(r.stderr).toMatch(/^pgscale doctor: invalid input\n {2}--primary-uri: is required \(or set PGSCALE_PRIMARY_URI\)/);
    });

    test("URIs come from the environment when not given, so passwords stay off the command line", async () => {
        const port = await closedPort();
        const saved = { ...process.env };
        process.env.PGSCALE_PRIMARY_URI = `postgresql://app:pw@127.0.0.1:${port}/appdb`;
        process.env.PGSCALE_REPLICA_URI = "http://not-postgres";
        try {
            const bad = await pgscale("doctor", "--json");
            expect(errorsOf(bad.stdout)).toEqual([["--replica-uri", "must be a postgresql: or postgres: URL, not http:"]]);
            delete process.env.PGSCALE_REPLICA_URI;
            const r = await pgscale("doctor", "--json");
            expect(r.code).toBe(3);
            expect(JSON.parse(r.stdout).findings[0].detail).toMatch(/ECONNREFUSED/);
            // An explicit option wins over the environment.
            const explicit = await pgscale("doctor", "--primary-uri", "mysql://x", "--json");
            expect(errorsOf(explicit.stdout)[0][0]).toBe("--primary-uri");
        } finally {
            process.env = saved;
        }
    });

    test("--help names the environment variables", async () => {
        const r = await pgscale("doctor", "--help");
        expect(r.stdout).toMatch(/--primary-uri = PGSCALE_PRIMARY_URI, --replica-uri = PGSCALE_REPLICA_URI, --pooler-admin-uri = PGSCALE_POOLER_ADMIN_URI/);
        expect((await pgscale("switchover", "--help")).stdout).toMatch(/--primary-uri = PGSCALE_PRIMARY_URI/);
    });

    test("every bad option is named, as JSON with --json, without echoing URIs", async () => {
        const r = await pgscale("doctor", "--primary-uri", "app:pw@host/db", "--replica-uri", "http://x", "--patroni-url", "127.0.0.1:8008", "--query", " ", "--json");
        expect(r.code).toBe(2);
        expect(errorsOf(r.stdout).map(([o]) => o)).toEqual(["--primary-uri", "--replica-uri", "--patroni-url", "--query"]);
        expect(r.stdout).not.toContain("pw@");
    });

    test("--threshold: each bad one is named with the threshold, before anything is contacted", async () => {
        const r = await pgscale("doctor", "--primary-uri", "postgresql://127.0.0.1:1/x", "--threshold", "lagWarnSecs=5", "--threshold", "lagWarnSeconds=999");
        expect(r.code).toBe(2);
        expect(r.stderr).toMatch(/^pgscale doctor: invalid input\n {2}--threshold \(lagWarnSecs\): is not a threshold \(known: connectionsWarnRatio, /);
        expect(r.stderr).toMatch(/\n {2}--threshold \(lagWarnSeconds\): \(999\) must be below lagCriticalSeconds \(300\)\n/);
    });

    test("an unknown option", async () => {
        const r = await pgscale("doctor", "--primary-uri", "postgresql://a@b/c", "--fix-it", "--json");
        expect(r.code).toBe(2);
        expect(errorsOf(r.stdout)[0][0]).toBe("--fix-it");
    });

    test("--help documents the privilege doctor needs", async () => {
        const r = await pgscale("doctor", "--help");
        expect(r.code).toBe(0);
        expect(r.stdout).toMatch(/superuser or a role with pg_monitor/);
    });

    test("a primary that refuses connections is a critical finding and exit 3, not a crash", async () => {
        const port = await closedPort();
        const r = await pgscale("doctor", "--primary-uri", `postgresql://app:pw@127.0.0.1:${port}/appdb`, "--patroni-url", `http://127.0.0.1:${port}`, "--json");
        expect(r.code).toBe(3);
        const report = JSON.parse(r.stdout);
        expect(report.status).toBe("critical");
        expect(report.findings.map((f: { check: string; severity: string }) => [f.check, f.severity])).toEqual([
            ["connections.primary", "critical"],
            ["patroni.endpoint", "warning"],
            ["patroni.leader", "critical"],
        ]);
        expect(report.findings[0].detail).toMatch(/ECONNREFUSED/);
        expect(r.stdout).not.toContain(":pw@");
    });
});

describe("pgscale status arguments", () => {
    test("--patroni-url is required and must be http(s)", async () => {
        expect((await pgscale("status")).code).toBe(2);
        const r = await pgscale("status", "--patroni-url", "postgresql://x", "--json");
        expect(errorsOf(r.stdout)).toEqual([["--patroni-url", "must be a http: or https: URL, not postgresql:"]]);
    });

    test("no REST API answering: exit 1, each URL named", async () => {
        const port = await closedPort();
        const r = await pgscale("status", "--patroni-url", `http://127.0.0.1:${port}`);
        expect(r.code).toBe(1);
        expect(r.stderr).toBe(`pgscale status: no Patroni REST API answered\n  http://127.0.0.1:${port}: ECONNREFUSED`);
    });

    test("--watch options: interval and count are checked, and apply only with --watch", async () => {
        const url = ["--patroni-url", "http://127.0.0.1:8008"];
        const bad = await pgscale("status", ...url, "--watch", "--interval", "0.1", "--count", "0", "--pooler-uri", "http://x", "--json");
        expect(bad.code).toBe(2);
        expect(errorsOf(bad.stdout).map(([o]) => o)).toEqual(["--pooler-uri", "--interval", "--count"]);
        const without = await pgscale("status", ...url, "--count", "2", "--json");
        expect(errorsOf(without.stdout)).toEqual([["--count", "applies only with --watch"]]);
    });

    test("--watch --count: a frame per interval, each naming what did not answer; exit 1 when no frame reached a member", async () => {
        const port = await closedPort();
        const t0 = Date.now();
        const r = await pgscale("status", "--patroni-url", `http://127.0.0.1:${port}`, "--watch", "--interval", "0.2", "--count", "3");
        expect(r.code).toBe(1);
        expect(r.stdout.match(/^pgscale status {2}\S+ {2}\(every 0\.2 s, Ctrl-C to stop\)$/gm)).toHaveLength(3);
        expect(r.stdout.match(/ECONNREFUSED/g)).toHaveLength(3);
        expect(Date.now() - t0).toBeGreaterThanOrEqual(400);
    });
});

describe("pgscale switchover arguments", () => {
    test("--patroni-url and --primary-uri are required", async () => {
        const r = await pgscale("switchover", "--json");
        expect(r.code).toBe(2);
        expect(errorsOf(r.stdout).map(([o]) => o)).toEqual(["--patroni-url", "--primary-uri"]);
    });

    test("the password comes from a named environment variable that must be set", async () => {
        delete process.env.PGSCALE_TEST_UNSET;
        const r = await pgscale("switchover", "--patroni-url", "http://127.0.0.1:1", "--primary-uri", "postgresql://a@b/c", "--password-env", "PGSCALE_TEST_UNSET", "--json");
        expect(errorsOf(r.stdout)).toEqual([["--password-env", "environment variable PGSCALE_TEST_UNSET is not set"]]);
        const u = await pgscale("switchover", "--patroni-url", "http://127.0.0.1:1", "--primary-uri", "postgresql://a@b/c", "--user", "admin", "--json");
        expect(errorsOf(u.stdout)).toEqual([["--user", "needs --password-env"]]);
    });

    test("--timeout and --probe-interval-ms must be positive integers", async () => {
        const r = await pgscale("switchover", "--patroni-url", "http://127.0.0.1:1", "--primary-uri", "postgresql://a@b/c", "--timeout", "0", "--probe-interval-ms", "fast", "--json");
        expect(errorsOf(r.stdout)).toEqual([["--timeout", "must be a positive integer"], ["--probe-interval-ms", "must be a positive integer"]]);
    });

    test("no REST API answering: exit 1 with the reason", async () => {
        const port = await closedPort();
        const r = await pgscale("switchover", "--patroni-url", `http://127.0.0.1:${port}`, "--primary-uri", `postgresql://a:b@127.0.0.1:${port}/c`);
        expect(r.code).toBe(1);
        expect(r.stderr).toBe(`pgscale switchover: no Patroni REST API answered: http://127.0.0.1:${port} (ECONNREFUSED)`);
    });

    test("the three commands are listed in pgscale --help", async () => {
        const r = await pgscale("--help");
        expect(r.stdout).toMatch(/ doctor +check a live deployment/);
        expect(r.stdout).toMatch(/ status +members, roles/);
        expect(r.stdout).toMatch(/ switchover +planned switchover/);
    });
});

describe("pgscale backup arguments", () => {
    test("--container is required by each subcommand, named as doctor names its options", async () => {
        for (const sub of ["list", "status", "run", "drill"]) {
            const r = await pgscale("backup", sub);
            expect([sub, r.code]).toEqual([sub, 2]);
            expect(r.stderr).toMatch(new RegExp(`^pgscale backup ${sub}: invalid input\n {2}--container: is required \\(a member container of the cluster; on Kubernetes, --pod\\)\n`));
        }
    });

    test("every bad option is named, as JSON with --json", async () => {
        const r = await pgscale("backup", "run", "--container", "pg 0", "--stanza", "a/b", "--type", "snapshot", "--json");
        expect(r.code).toBe(2);
        expect(errorsOf(r.stdout)).toEqual([
            ["--container", '"pg 0" is not a container name or ID'],
            ["--stanza", "must be a stanza name (the cluster's scope)"],
            ["--type", "must be full, diff, incr"],
        ]);
        // --type belongs to run alone.
        expect(errorsOf((await pgscale("backup", "list", "--container", "pg-0", "--type", "full", "--json")).stdout)[0][0]).toBe("--type");
    });

    test("drill: one target at most, the spec's checks named by option, objectives positive", async () => {
        const two = await pgscale("backup", "drill", "--container", "pg-0", "--time", "2026-12-03T21:05:00Z", "--lsn", "0/3000060", "--json");
        expect(two.code).toBe(2);
        expect(errorsOf(two.stdout)).toEqual([["--lsn", "cannot be combined with --time: a restore has one target"]]);
        const bad = await pgscale("backup", "drill", "--container", "pg-0", "--time", "yesterday", "--database", "App", "--check", "", "--restore-seconds", "0", "--rpo-seconds", "x", "--json");
        expect(bad.code).toBe(2);
        expect(errorsOf(bad.stdout)).toEqual([
            ["--restore-seconds", "must be a positive number of seconds"],
            ["--rpo-seconds", "must be a positive number of seconds"],
            ["--time", expect.stringMatching(/ISO 8601 time with a zone|latest/)],
            ["--database", "must be a lower-case PostgreSQL identifier"],
            ["--check", "must be a query"],
        ]);
        // The drill's options belong to drill alone.
        expect(errorsOf((await pgscale("backup", "list", "--container", "pg-0", "--lsn", "0/1", "--json")).stdout)[0][0]).toBe("--lsn");
    });

    test("a subcommand is required and must be known", async () => {
        const none = await pgscale("backup");
        expect(none.code).toBe(2);
        expect(none.stderr).toMatch(/^pgscale backup: name a subcommand \(list, status, run, verify, drill\)\n\nusage: pgscale backup list /);
        expect((await pgscale("backup", "restore")).stderr).toMatch(/^pgscale backup: unknown subcommand "restore"/);
        expect((await pgscale("backup", "constructor")).code).toBe(2);
        const help = await pgscale("backup", "status", "--help");
        expect(help).toMatchObject({ code: 0, stdout: expect.stringMatching(/^usage: pgscale backup list /) });
    });

    test("no container answering: exit 1, each container named with the engine's reason", async () => {
        const missing = `pgscale-no-such-container-${process.pid}`;
        const r = await pgscale("backup", "status", "--container", missing);
        expect(r.code).toBe(1);
        expect(r.stderr).toMatch(new RegExp(`^pgscale backup status: no container answered with a backup configuration\n {2}${missing}: \\S`));
        const run = await pgscale("backup", "run", "--container", missing, "--json");
        expect(run.code).toBe(1);
        expect(JSON.parse(run.stdout)).toMatchObject({ error: expect.stringMatching(/^refused: none of the given containers is the member that takes the backups/), unanswered: [{ container: missing }] });
        const verify = await pgscale("backup", "verify", "--container", missing);
        expect(verify.code).toBe(1);
        expect(verify.stderr).toMatch(new RegExp(`^pgscale backup verify: no container answered with a backup configuration\n {2}${missing}: \\S`));
    });
});

describe("--patroni-ca", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "pgscale-ca-"));
    const ca = generateCa("members' CA");
    const caFile = path.join(dir, "ca.pem");
    fs.writeFileSync(caFile, ca.certPem);
    afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

    test("is required with an https URL, and must be a readable PEM certificate", async () => {
        const url = ["--patroni-url", "https://127.0.0.1:8008"];
        expect(errorsOf((await pgscale("status", ...url, "--json")).stdout)).toEqual([["--patroni-ca", "is required with an https --patroni-url (the cluster's restApiCaPem)"]]);
        expect(errorsOf((await pgscale("status", ...url, "--patroni-ca", path.join(dir, "none.pem"), "--json")).stdout)).toEqual([["--patroni-ca", `cannot read ${path.join(dir, "none.pem")}: ENOENT`]]);
        const notPem = path.join(dir, "not.pem");
        fs.writeFileSync(notPem, "hello");
        for (const cmd of [["status"], ["switchover", "--primary-uri", "postgresql://u:p@127.0.0.1:1/db"], ["doctor", "--primary-uri", "postgresql://u:p@127.0.0.1:1/db"]]) {
            const r = await pgscale(...cmd, ...url, "--patroni-ca", notPem, "--json");
            expect(r.code).toBe(2);
            expect(errorsOf(r.stdout)).toEqual([["--patroni-ca", `${notPem} holds no PEM certificate`]]);
        }
    });

    test("status reads an https member verified against it, and reports a member whose certificate it did not sign as unreachable", async () => {
        const cert = generateServerCert(ca, { commonName: "pg-0", dnsNames: ["pg-0"], ipAddresses: ["127.0.0.1"] });
        const server = https.createServer({ cert: cert.certPem, key: cert.keyPem }, (_req, res) =>
            res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ members: [{ name: "pg-0", role: "leader", state: "running", host: "pg-0", port: 5432, timeline: 1 }] })));
        await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
        try {
            const url = `https://127.0.0.1:${(server.address() as { port: number }).port}`;
            const ok = await pgscale("status", "--patroni-url", url, "--patroni-ca", caFile, "--json");
            expect(ok.code).toBe(0);
            expect(JSON.parse(ok.stdout).members).toEqual([expect.objectContaining({ name: "pg-0", role: "leader" })]);
            const otherCa = path.join(dir, "other.pem");
            fs.writeFileSync(otherCa, generateCa("another CA").certPem);
            const refused = await pgscale("status", "--patroni-url", url, "--patroni-ca", otherCa, "--json");
            expect(refused.code).toBe(1);
            expect(refused.stderr).toMatch(/certificate not trusted \((UNABLE_TO_VERIFY_LEAF_SIGNATURE|DEPTH_ZERO_SELF_SIGNED_CERT): .*\): check --patroni-ca/);
        } finally {
            await new Promise((r) => server.close(r));
        }
    });
});

describe("pgscale images build arguments", () => {
    test("--only names pgscale's images, in their order; without it every image is built", () => {
        const { selectImages } = require("./images") as typeof import("./images");
        expect(selectImages(undefined)).toEqual({ names: [...IMAGE_NAMES] });
        expect(selectImages("patroni-17,etcd")).toEqual({ names: ["etcd", "patroni-17"] });
    });

    test("an unknown or empty --only name, and --tag without --push, are usage errors naming the option", async () => {
        const bad = await pgscale("images", "build", "--only", "etcd,postgres,", "--tag", "x", "--json");
        expect(bad.code).toBe(2);
        expect(errorsOf(bad.stdout)).toEqual([
            ["--only", `"postgres", an empty name: not one of pgscale's images (${IMAGE_NAMES.join(", ")})`],
            ["--tag", "goes with --push REGISTRY"],
        ]);
    });
});
