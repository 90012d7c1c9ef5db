// @pgscale/testing's startPostgres with profile "fast" against real containers: one node on tmpfs
// with durability off, sub-second snapshot/restore, and the reaping of stale leftovers (of dead
// owners only) that every start does first.
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { LABELS, TestDatabase, startPostgres } from "@pgscale/testing";
import { libpqCompatible } from "@pgscale/core";
import { docker, dockerObjectsOfStack } from "../support/stack";
import { eventually, query } from "../support/pg";

jest.setTimeout(10 * 60 * 1000);

describe("startPostgres, profile fast", () => {
    // A state root of this suite's own, so the leftovers planted here are the only ones in it.
    const root = fs.mkdtempSync(path.join(os.tmpdir(), "pgscale-testing-e2e-"));
    const deadOwner = `${os.hostname()}/${spawnSync(process.execPath, ["-e", ""]).pid}/1`;
    const liveOwner = `${os.hostname()}/${process.pid}/${fs.readFileSync(`/proc/${process.pid}/stat`, "utf8").split(") ")[1].split(" ")[19]}`;
    const stale = { stack: `stale-${process.pid}`, dir: path.join(root, `stale-${process.pid}`) };
    const live = { stack: `live-${process.pid}`, dir: path.join(root, `live-${process.pid}`) };
    const lines: string[] = [];
    let db: TestDatabase;

    /** What a run killed midway leaves: an owner file, and labelled engine objects. */
    function plant(leftover: { stack: string; dir: string }, owner: string): void {
        fs.mkdirSync(path.join(leftover.dir, "state"), { recursive: true });
        fs.writeFileSync(path.join(leftover.dir, "owner"), `${owner}\n`);
        const labels = ["pgscale.managed=true", "pgscale.project=pgscale-testing", `pgscale.stack=${leftover.stack}`,
            `${LABELS.owner}=${owner}`, `${LABELS.dir}=${leftover.dir}`].flatMap((l) => ["--label", l]);
        docker("network", "create", ...labels, `pgscale-testing-${leftover.stack}-net`);
        docker("volume", "create", ...labels, `pgscale-testing-${leftover.stack}-data`);
    }

    beforeAll(async () => {
        plant(stale, deadOwner);
        plant(live, liveOwner);
        // At 17 (pgscale/patroni-17): the other testing suites start the default major, 15.
        db = await startPostgres({ profile: "fast", postgresVersion: 17, stateDir: root, progress: (l) => lines.push(l) });
    });
    afterAll(async () => {
        await db?.destroy();
        docker("network", "rm", `pgscale-testing-${live.stack}-net`);
        docker("volume", "rm", `pgscale-testing-${live.stack}-data`);
        fs.rmSync(root, { recursive: true, force: true });
    });

    it("reaped the leftovers of a dead owner before starting, and left a live owner's alone", () => {
        expect(lines).toContain(`reaping ${stale.stack} (owner process gone): 0 containers, 1 networks, 1 volumes`);
        expect(lines.filter((l) => l.startsWith("reaping"))).toHaveLength(1);
        expect(dockerObjectsOfStack(stale.stack)).toEqual({ containers: [], networks: [], volumes: [] });
        expect(fs.existsSync(stale.dir)).toBe(false);
        expect(dockerObjectsOfStack(live.stack)).toEqual({ containers: [], networks: [`pgscale-testing-${live.stack}-net`], volumes: [`pgscale-testing-${live.stack}-data`] });
        expect(fs.existsSync(live.dir)).toBe(true);
    });

    it("is one PostgreSQL node (and its etcd) with no router: the URI points at the node", async () => {
        expect(dockerObjectsOfStack(db.stackName).containers.sort()).toEqual([
            `pgscale-testing-${db.stackName}-dcs-0`, `pgscale-testing-${db.stackName}-node-0`,
        ]);
        expect(db.primaryUri).toMatch(/^postgresql:\/\/app:[A-Za-z0-9]+@127\.0\.0\.1:\d+\/app\?sslmode=verify-full&sslrootcert=\S+postgres-ca\.pem$/);
        expect(await query(db.primaryUri, "SELECT current_user AS u, pg_is_in_recovery() AS r")).toEqual([{ u: "app", r: false }]);
        expect(await query(db.superuserUri, "SELECT current_user AS u")).toEqual([{ u: "postgres" }]);
        expect((await query(db.primaryUri, "SELECT version() AS v"))[0].v).toMatch(/^PostgreSQL 17\./);
    });

    it("keeps data on tmpfs with fsync, synchronous_commit and full_page_writes off", async () => {
        const settings = await query(db.primaryUri,
            "SELECT name, setting FROM pg_settings WHERE name IN ('fsync', 'synchronous_commit', 'full_page_writes', 'data_directory') ORDER BY name");
        expect(settings).toEqual([
            { name: "data_directory", setting: "/var/lib/postgresql/data/pg17" },
            { name: "fsync", setting: "off" },
            { name: "full_page_writes", setting: "off" },
            { name: "synchronous_commit", setting: "off" },
        ]);
        for (const c of ["node-0", "dcs-0"]) {
            const inspect = JSON.parse(docker("inspect", `pgscale-testing-${db.stackName}-${c}`))[0];
            const dataPath = c === "node-0" ? "/var/lib/postgresql/data" : "/var/lib/etcd";
            expect(Object.keys(inspect.HostConfig.Tmpfs ?? {})).toEqual([dataPath]);
            expect(inspect.Mounts.filter((m: { Type: string }) => m.Type === "volume")).toEqual([]);
        }
    });

    it("resets the database from a snapshot quickly (figures: bench/testing)", async () => {
        await query(db.primaryUri, "CREATE TABLE accounts (id int PRIMARY KEY, balance int NOT NULL)");
        await query(db.primaryUri, "INSERT INTO accounts SELECT g, 100 FROM generate_series(1, 1000) g");
        let t0 = Date.now();
        await db.snapshot("seeded");
        const snapshotMs = Date.now() - t0;
        const restoreMs: number[] = [];
        for (let i = 0; i < 5; i++) {
            await query(db.primaryUri, "UPDATE accounts SET balance = balance - 1; DELETE FROM accounts WHERE id > 500");
            t0 = Date.now();
            await db.restore("seeded");
            restoreMs.push(Date.now() - t0);
            expect(await query(db.primaryUri, "SELECT count(*)::int AS n, sum(balance)::int AS s FROM accounts")).toEqual([{ n: 1000, s: 100000 }]);
        }
        // Sanity bounds only (~0.1-0.4 s measured; the speed figures live in bench/testing): far above
        // what a loaded machine adds, far below a new cluster (a Pulumi up: 10 s and more).
        expect(snapshotMs).toBeLessThan(10_000);
        expect([...restoreMs].sort((a, b) => a - b)[2]).toBeLessThan(5000); // median
        expect(Math.max(...restoreMs)).toBeLessThan(10_000);
        // The application owner keeps its rights on the restored database; others still have none.
        expect(await query(db.superuserUri, "SELECT has_database_privilege('app', 'app', 'CONNECT') AS app, has_database_privilege('public', 'app', 'CONNECT') AS pub"))
            .toEqual([{ app: true, pub: false }]);
        // Behind each restore: the next copy of the snapshot, made ahead and closed to connections,
        // and the database it replaced dropped (both off the restore's path, so eventually).
        await eventually(async () => {
            const dbs = await query(db.superuserUri, "SELECT datname, datallowconn FROM pg_database WHERE datname LIKE 'pgscale_%' ORDER BY datname");
            return JSON.stringify(dbs) === JSON.stringify([{ datname: "pgscale_ready_1_seeded", datallowconn: false }, { datname: "pgscale_snapshot_seeded", datallowconn: false }]);
        }, 20_000, "a ready copy of the snapshot and no set-aside database left");
    });

    it("snapshot and restore terminate open sessions on the database, and a new snapshot replaces an old one", async () => {
        const { Client } = await import("pg");
        const open = new Client({ connectionString: libpqCompatible(db.primaryUri) });
        const ended = new Promise((resolve) => open.on("error", resolve));
        await open.connect();
        await db.snapshot("seeded");
        expect(await ended).toMatchObject({ message: expect.stringMatching(/terminat/) });
        await query(db.primaryUri, "DELETE FROM accounts");
        await db.snapshot("seeded");
        await db.restore("seeded");
        expect(await query(db.primaryUri, "SELECT count(*)::int AS n FROM accounts")).toEqual([{ n: 0 }]);
    });

    it("has no failure injection: it is not a cluster", () => {
        expect((db as unknown as Record<string, unknown>).killPrimary).toBeUndefined();
    });

    it("destroys everything", async () => {
        await db.destroy();
        expect(dockerObjectsOfStack(db.stackName)).toEqual({ containers: [], networks: [], volumes: [] });
        expect(fs.existsSync(db.info.stateDir)).toBe(false);
    });
});
