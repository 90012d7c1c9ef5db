// The etcd authentication scripts of @pgscale/core (run by EtcdAuth / EtcdScopeUser on Docker and
// by the Jobs on Kubernetes) against a real etcd (pgscale/etcd image): each is idempotent, a
// re-run sets the password given, a wrong root password is told apart, and a scope's user reaches
// its own prefix only. A whole locked cluster is in test/e2e/security.test.ts.
import { execFileSync } from "child_process";
import { DEFAULT_IMAGES, etcdEnableAuthScript, etcdRootCheckScript, etcdScopeUserScript, patroniEtcdUser } from "@pgscale/core";
import { ensureImage, etcdAuthHandlers } from "@pgscale/docker";

jest.setTimeout(120_000);

const docker = (...args: string[]) => execFileSync("docker", args, { encoding: "utf8" }).trim();
const name = `pgscale-it-etcd-auth-${process.pid}`;
const target = { containers: [name], tls: false, timeoutSeconds: 30 };
const ROOT = "it-root-password-1";

/** etcdctl in the member as `user` (none: anonymous); resolves to its exit code and output. */
function etcdctl(user: string | undefined, ...args: string[]): { code: number; out: string } {
    const env = user ? ["-e", `ETCDCTL_USER=${user}`] : [];
    try {
        const out = execFileSync("docker", ["exec", ...env, name, "etcdctl", "--endpoints=http://127.0.0.1:2379", "--command-timeout=5s", ...args],
            { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
        return { code: 0, out: out.trim() };
    } catch (e) {
        const x = e as { status: number; stderr?: string };
        return { code: x.status, out: String(x.stderr ?? "") };
    }
}

/** Runs a script as the providers do: `sh -c` in the member, the passwords on standard input. */
function run(script: string, stdin: string): number {
    try {
        execFileSync("docker", ["exec", "-i", name, "sh", "-c", script], { input: stdin, stdio: ["pipe", "ignore", "pipe"] });
        return 0;
    } catch (e) {
        return (e as { status: number }).status;
    }
}

beforeAll(async () => {
    await ensureImage({ name: "etcd" });
    docker("run", "-d", "--name", name, "--label", "pgscale.test=etcd-auth-scripts", "--cap-drop", "ALL", DEFAULT_IMAGES.etcd,
        "etcd", "--data-dir", "/var/lib/etcd/data", "--listen-client-urls", "http://127.0.0.1:2379", "--advertise-client-urls", "http://127.0.0.1:2379");
    for (const deadline = Date.now() + 20_000; etcdctl(undefined, "endpoint", "status").code !== 0; ) {
        if (Date.now() > deadline) throw new Error(`etcd in ${name} did not serve within 20 s: ${docker("logs", name)}`);
        execFileSync("sleep", ["0.2"]);
    }
});
afterAll(() => {
    execFileSync("docker", ["rm", "-f", name], { stdio: "ignore" });
});

// Docker runs a scope's user beside EtcdAuth: on a new cluster it usually lands before auth is on.
it("a scope's user made while authentication is still off: created without credentials", async () => {
    const user = patroniEtcdUser("early");
    expect(etcdctl(undefined, "auth", "enable").code).not.toBe(0); // no root user yet: auth is off
    await etcdAuthHandlers.ensureScopeUser({ ...target, subject: "it", rootPassword: ROOT, scope: "early", password: "early-password" });
    expect(etcdctl(undefined, "role", "get", user).out).toMatch(/\[\/service\/early\/, \/service\/early0\)/);
    expect(etcdctl(undefined, "user", "get", user).out).toMatch(new RegExp(`Roles: ${user}$`, "m"));
});

it("turns authentication on once; a second run checks the password, a wrong one exits 3", async () => {
    // A major upgrade's check before it touches anything: etcd takes its root user only once auth is on.
    expect(run(etcdRootCheckScript(false), `${ROOT}\n`)).not.toBe(0);
    await etcdAuthHandlers.enable({ ...target, subject: "it", rootPassword: ROOT });
    expect(run(etcdRootCheckScript(false), `${ROOT}\n`)).toBe(0);
    expect(run(etcdRootCheckScript(false), "not-the-root-password\n")).not.toBe(0);
    expect(etcdctl(undefined, "get", "/x").out).toMatch(/user name is empty|permission denied/);
    expect(etcdctl(`root:${ROOT}`, "user", "get", "root").out).toMatch(/Roles: root/);
    expect(run(etcdEnableAuthScript(false), `${ROOT}\n`)).toBe(0);
    expect(run(etcdEnableAuthScript(false), "not-the-root-password\n")).toBe(3);
    await expect(etcdAuthHandlers.enable({ ...target, subject: "it", rootPassword: "not-the-root-password" }))
        .rejects.toThrow(/already on with another root password/);
});

it("a scope's user: created, created again with a new password, and limited to its prefix", async () => {
    const user = patroniEtcdUser("pg");
    await etcdAuthHandlers.ensureScopeUser({ ...target, subject: "it", rootPassword: ROOT, scope: "pg", password: "first-password" });
    expect(etcdctl(`${user}:first-password`, "put", "/service/pg/leader", "pg-0").code).toBe(0);
    // The same user and role again: what an update (or an interrupted create) runs.
    expect(run(etcdScopeUserScript(false, "pg"), `${ROOT}\nsecond-password\n`)).toBe(0);
    expect(etcdctl(`${user}:first-password`, "get", "/service/pg/leader").out).toMatch(/invalid user ID or password/);
    expect(etcdctl(`${user}:second-password`, "get", "/service/pg/leader").out).toBe("/service/pg/leader\npg-0");
    expect(etcdctl(`${user}:second-password`, "put", "/service/other/leader", "x").out).toMatch(/permission denied/);
    expect(etcdctl(`${user}:second-password`, "get", "/service/pgx/leader").out).toMatch(/permission denied/);
    const roles = etcdctl(`root:${ROOT}`, "role", "get", user).out;
    expect(roles).toMatch(/\[\/service\/pg\/, \/service\/pg0\)/);
    expect(etcdctl(`root:${ROOT}`, "user", "get", user).out).toMatch(new RegExp(`Roles: ${user}$`, "m"));
});

it("...and once authentication is on, that user logs in with its password and reaches its own prefix only", () => {
    const user = patroniEtcdUser("early");
    expect(etcdctl(`${user}:early-password`, "put", "/service/early/leader", "pg-0").code).toBe(0);
    expect(etcdctl(`${user}:early-password`, "put", "/service/pg/leader", "x").out).toMatch(/permission denied/);
    expect(etcdctl(undefined, "get", "/service/early/leader").out).toMatch(/user name is empty|permission denied/);
});
