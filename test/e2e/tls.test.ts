// TLS on a real stack: `tls: { enabled: true }` on PatroniCluster gives every node and the pool a
// certificate from a generated CA; a client with the exported CA connects with sslmode=verify-full
// through primaryUri (HAProxy, TCP passthrough to the node) and poolerUri (PgBouncer).
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { execFileSync, spawnSync } from "child_process";
import { Stack } from "@pulumi/pulumi/automation";
import { generateCa } from "@pgscale/core";
import { destroyAndRemove, docker, fixtureStack, plainOutputs, storedState, uniqueStackName } from "../support/stack";

jest.setTimeout(15 * 60 * 1000);

interface Outputs {
    primaryUri: string;
    poolerUri: string;
    tlsCaPem: string;
    members: Array<{ name: string; container: string; pgPort: number }>;
    containers: string[];
}

describe("TLS with generated certificates on Docker", () => {
    const name = uniqueStackName("tls");
    let stack: Stack | undefined;
    let out: Outputs;
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "pgscale-tls-"));
    const caFile = path.join(dir, "ca.pem");
    const otherCaFile = path.join(dir, "other-ca.pem");

    /** psql on the host, as libpq implements sslmode=verify-full. */
    const psql = (uri: string, rootCert: string, sql: string) =>
        spawnSync("psql", [`${uri}?sslmode=verify-full&sslrootcert=${rootCert}`, "-Atc", sql], { encoding: "utf8", env: { ...process.env, PGCONNECT_TIMEOUT: "10" } });

    beforeAll(async () => {
        stack = await fixtureStack("security", name, { tls: { value: "true" } });
        const res = await stack.up({ onOutput: () => undefined });
        expect(res.summary.result).toBe("succeeded");
        out = plainOutputs(res.outputs) as Outputs;
        fs.writeFileSync(caFile, out.tlsCaPem);
        fs.writeFileSync(otherCaFile, generateCa("not the stack's CA").certPem);
    });
    afterAll(async () => {
        await destroyAndRemove(stack);
        fs.rmSync(dir, { recursive: true, force: true });
    });

    it("connects with sslmode=verify-full through primaryUri and poolerUri, encrypted end to end", () => {
        const direct = psql(out.primaryUri, caFile, "SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()");
        expect({ status: direct.status, stderr: direct.stderr, out: direct.stdout.trim() }).toEqual({ status: 0, stderr: "", out: "t" });
        // Through the pool the query runs on PgBouncer's server connection: TLS (verify-ca) as well.
        const pooled = psql(out.poolerUri, caFile, "SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()");
        expect({ status: pooled.status, stderr: pooled.stderr, out: pooled.stdout.trim() }).toEqual({ status: 0, stderr: "", out: "t" });
    });

    it("fails verify-full against another CA", () => {
        for (const uri of [out.primaryUri, out.poolerUri]) {
            const r = psql(uri, otherCaFile, "SELECT 1");
            expect(r.status).not.toBe(0);
            expect(r.stderr).toMatch(/certificate verify failed/);
        }
    });

    it("keeps private keys 0600 under the service user, and out of the stored state", () => {
        const keys: Array<[string, string]> = [
            ...out.members.map((m) => [m.container, "/var/run/postgresql/server.key"] as [string, string]),
            [out.containers[out.containers.length - 1], "/var/run/pgbouncer/server.key"],
        ];
        const state = storedState(stack!);
        for (const [c, file] of keys) {
            expect(docker("exec", c, "stat", "-c", "%a %U", file)).toMatch(/^600 postgres$/);
            const pem = docker("exec", c, "cat", file);
            // A line of the key's base64 body is enough to recognise it.
            const line = pem.split("\n")[1];
            expect(line.length).toBeGreaterThan(40);
            expect(state.includes(line)).toBe(false);
        }
        expect(execFileSync("openssl", ["x509", "-noout", "-subject"], { input: out.tlsCaPem, encoding: "utf8" })).toMatch(/pgscale/);
    });
});
