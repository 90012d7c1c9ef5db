import { DEFAULT_IMAGES, PgscaleValidationError } from "@pgscale/core";
import { imagesOf } from "./topology";
import { planStart, uniqueStackName, TEST_TIMINGS } from "./options";

const testEnv = { NODE_ENV: "test" } as NodeJS.ProcessEnv;

function issues(fn: () => unknown): string[] {
    try {
        fn();
    } catch (e) {
        if (e instanceof PgscaleValidationError) return e.issues.map((i) => `${i.field}: ${i.message}`);
        throw e;
    }
    throw new Error("expected a PgscaleValidationError");
}

describe("planStart", () => {
    it("defaults to 3 nodes, 1 etcd member, no pooler, durable, test timings", () => {
        const p = planStart("cluster", { silent: true }, testEnv);
        expect(p).toMatchObject({ kind: "cluster", etcdMembers: 1, pooler: false, synchronousMode: false, profile: "durable", prune: true });
        expect(p.patroni).toMatchObject({
            nodes: 3, database: "app", owner: "app",
            patroni: { ...TEST_TIMINGS, synchronousMode: false, usePgRewind: true },
            parameters: { max_connections: "100", wal_retrieve_retry_interval: "500ms" },
        });
        expect(p.passphrase.length).toBeGreaterThanOrEqual(32);
        expect(planStart("cluster", { silent: true }, testEnv).passphrase).not.toBe(p.passphrase);
    });

    it("startPostgres is one node and one etcd member whatever else is asked", () => {
        const p = planStart("postgres", { silent: true }, testEnv);
        expect(p.patroni.nodes).toBe(1);
        expect(p.etcdMembers).toBe(1);
        expect(issues(() => planStart("postgres", { nodes: 3 } as never, testEnv))).toEqual(["nodes: is not an option of startPostgres"]);
    });

    it("profile fast turns durability off, pg_rewind with it, and lets the user's parameters win", () => {
        const p = planStart("cluster", { profile: "fast", parameters: { fsync: "on", work_mem: "8MB" } }, testEnv);
        expect(p.patroni.parameters).toEqual({
            max_connections: "100", wal_retrieve_retry_interval: "500ms", fsync: "on", synchronous_commit: "off", full_page_writes: "off",
            wal_keep_size: "64MB", min_wal_size: "32MB", max_wal_size: "256MB", work_mem: "8MB",
        });
        expect(p.patroni.patroni).toMatchObject({ usePgRewind: false });
    });

    it("refuses profile fast outside a test run, always under NODE_ENV=production", () => {
        expect(issues(() => planStart("cluster", { profile: "fast" }, { NODE_ENV: "development" } as NodeJS.ProcessEnv))[0])
            .toMatch(/^profile: .*only under a test runner \(NODE_ENV=test or a jest worker\) or with allowUnsafeDurability: true/);
        expect(planStart("cluster", { profile: "fast", allowUnsafeDurability: true, silent: true }, {} as NodeJS.ProcessEnv).profile).toBe("fast");
        expect(planStart("cluster", { profile: "fast", silent: true }, { JEST_WORKER_ID: "1" } as NodeJS.ProcessEnv).profile).toBe("fast");
        expect(issues(() => planStart("cluster", { profile: "fast", allowUnsafeDurability: true }, { NODE_ENV: "production" } as NodeJS.ProcessEnv))[0])
            .toMatch(/^profile: NODE_ENV is production/);
    });

    it("names every bad option before anything is created", () => {
        expect(issues(() => planStart("cluster", {
            name: "Bad_Name", profile: "quick" as never, images: { postgres: "x" } as never, passphrase: "short", nodez: 3,
        } as never, testEnv))).toEqual([
            "nodez: is not an option of startCluster",
            "name: must be lower-case letters, digits and '-', starting with a letter, at most 16 characters",
            "profile: must be one of durable, fast",
            "images.postgres: is not an image pgscale uses",
            "passphrase: must have at least 8 characters",
        ]);
        expect(issues(() => planStart("cluster", { profile: "fast", synchronousMode: true }, testEnv)))
            .toEqual(['synchronousMode: cannot be combined with profile "fast" (synchronous_commit is off there)']);
    });

    it("reuse: a boolean, with a TTL > 0 in seconds (default 3600)", () => {
        expect(planStart("cluster", { silent: true }, testEnv)).toMatchObject({ reuse: false, reuseTtl: 3600 });
        expect(planStart("postgres", { reuse: true, reuseTtl: 90, silent: true }, testEnv)).toMatchObject({ reuse: true, reuseTtl: 90 });
        expect(issues(() => planStart("cluster", { reuse: "yes", reuseTtl: 0 } as never, testEnv))).toEqual([
            'reuse: must be true or false, not "yes"',
            "reuseTtl: must be a number of seconds > 0, not 0",
        ]);
        expect(issues(() => planStart("postgres", { reuse: true, reuseTtl: -1 }, testEnv))).toEqual(["reuseTtl: must be a number of seconds > 0, not -1"]);
        expect(issues(() => planStart("postgres", { reuseTtl: 60 }, testEnv))).toEqual(["reuseTtl: only applies with reuse: true"]);
    });

    it("runs the constructs' own validation: the same errors pulumi up would give, minutes earlier", () => {
        expect(issues(() => planStart("cluster", { nodes: 0 }, testEnv))[0]).toMatch(/^nodes: /);
        expect(issues(() => planStart("cluster", { parameters: { port: 5433 } }, testEnv))).toEqual(["parameters.port: is managed by Patroni and cannot be set here"]);
        expect(issues(() => planStart("cluster", { etcdMembers: 10 }, testEnv))[0]).toMatch(/^etcdMembers: /);
        expect(issues(() => planStart("cluster", { pooler: true, parameters: { max_connections: 10 } }, testEnv))[0])
            .toMatch(/^parameters.max_connections: pool needs up to 20 server connections/);
    });

    it("postgresVersion picks the major and its image; quorum commit needs 17", () => {
        const p = planStart("cluster", { silent: true, postgresVersion: 17, synchronousMode: "quorum" }, testEnv);
        expect(p).toMatchObject({ postgresVersion: 17, synchronousMode: "quorum", patroni: { postgresVersion: 17 } });
        expect(imagesOf(p).patroni).toBe(DEFAULT_IMAGES["patroni-17"]);
        expect(imagesOf(planStart("postgres", { silent: true }, testEnv)).patroni).toBe(DEFAULT_IMAGES["patroni-17"]); // the default
        expect(imagesOf(planStart("postgres", { silent: true, postgresVersion: 15 }, testEnv)).patroni).toBe(DEFAULT_IMAGES.patroni);
        expect(issues(() => planStart("cluster", { postgresVersion: 15, synchronousMode: "quorum" }, testEnv))[0]).toMatch(/^patroni.synchronousMode: "quorum" needs Patroni 4/);
        expect(issues(() => planStart("postgres", { postgresVersion: 16 as never }, testEnv))[0]).toMatch(/^postgresVersion: must be one of 15, 17/);
    });
});

describe("uniqueStackName", () => {
    it("is unique and valid in container names", () => {
        const names = new Set(Array.from({ length: 100 }, () => uniqueStackName("t")));
        expect(names.size).toBe(100);
        for (const n of names) expect(n).toMatch(/^t-[a-z0-9]+$/);
    });
});
