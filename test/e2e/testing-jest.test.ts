// The jest helpers: a globalSetup that starts one cluster for a run and publishes it through the
// environment, test files (in worker processes) that attach to it, and the matching teardown.
import { execFileSync } from "child_process";
import { ENV, clusterFromEnv, jestGlobalSetup, jestGlobalTeardown } from "@pgscale/testing";
import { dockerObjectsOfStack } from "../support/stack";
import { query } from "../support/pg";

jest.setTimeout(10 * 60 * 1000);

describe("jestGlobalSetup / jestGlobalTeardown", () => {
    afterAll(async () => jestGlobalTeardown()()); // a no-op when the test got through

    it("starts one cluster, publishes it to workers, and destroys it at teardown", async () => {
        await jestGlobalSetup({ nodes: 2, pooler: true, profile: "fast", silent: true })();
        for (const name of [ENV.primaryUri, ENV.replicaUri, ENV.poolerUri, ENV.superuserUri, ENV.cluster]) expect(process.env[name]).toBeTruthy();
        expect(process.env[ENV.syncReplicaUri]).toBeUndefined();

        // A worker is another process that inherits the environment. (Here the "parent" is this test's
        // sandbox, whose process.env jest keeps apart from the real one: hand it over explicitly.)
        const script = `const c = new (require("pg").Client)(process.env.PGSCALE_POOLER_URI);
            c.connect().then(async () => { console.log((await c.query("SELECT current_user AS u")).rows[0].u); await c.end(); })`;
        expect(execFileSync(process.execPath, ["-e", script], { encoding: "utf8", env: process.env }).trim()).toBe("app");

        // Test files attach with clusterFromEnv(): everything but destroy, no Pulumi involved.
        const cluster = clusterFromEnv({ silent: true });
        await query(cluster.primaryUri, "CREATE TABLE t (id int)");
        await cluster.snapshot("empty");
        await query(cluster.primaryUri, "INSERT INTO t VALUES (1)");
        await cluster.restore("empty");
        expect(await query(cluster.primaryUri, "SELECT count(*)::int AS n FROM t")).toEqual([{ n: 0 }]);
        const r = await cluster.switchover();
        expect(r.to).not.toBe(r.from);
        // Profile "fast" keeps the data on a tmpfs, which a restart empties: the restarted member comes
        // back as a streaming replica (Patroni rebuilds it from the leader; its TLS files are in the
        // container's own layer, not on the tmpfs, or it would wait for them until the next up).
        const restarted = cluster.info.members.find((m) => m.name === r.from)!;
        execFileSync("docker", ["restart", "-t", "1", restarted.container]);
        await cluster.rejoin(r.from, { timeoutMs: 120_000 });
        await expect(cluster.destroy()).rejects.toThrow(/attached from the environment/);

        await jestGlobalTeardown()();
        for (const name of Object.values(ENV)) expect(process.env[name]).toBeUndefined();
        expect(dockerObjectsOfStack(cluster.stackName)).toEqual({ containers: [], networks: [], volumes: [] });
    });
});
