import { PgscaleValidationError } from "../validation";
import { DEFAULT_IMAGES, IMAGE_NAMES, imageSource } from "./images";
import { DEFAULT_POSTGRES_VERSION, PARAMETERS_ONLY_IN, parameterVersionIssues, postgresLayout } from "./postgres-version";
import { resolvePatroniCluster, resolveStreamingReplica } from "./resolve";

const fields = (f: () => unknown): string[] => {
    try {
        f();
    } catch (e) {
        if (e instanceof PgscaleValidationError) return e.issues.map((i) => `${i.field}: ${i.message}`);
        throw e;
    }
    return [];
};

describe("postgresVersion", () => {
    it("defaults to 17 for new clusters; 15 keeps the layout every volume made before 17 has", () => {
        const r = resolvePatroniCluster({}, "PatroniCluster main");
        expect(DEFAULT_POSTGRES_VERSION).toBe(17);
        expect(r.spec.postgresVersion).toBe(17);
        expect(resolvePatroniCluster({ postgresVersion: 15 }, "PatroniCluster main").layout)
            .toEqual({ version: 15, image: "patroni", dataDir: "/var/lib/postgresql/data/pg15", binDir: "/usr/lib/postgresql/15/bin", patroniMajor: 3 });
    });

    it("17 picks the patroni-17 image, its own data and bin directories and Patroni 4", () => {
        const r = resolvePatroniCluster({ postgresVersion: 17 }, "PatroniCluster main");
        expect(r.layout).toEqual({ version: 17, image: "patroni-17", dataDir: "/var/lib/postgresql/data/pg17", binDir: "/usr/lib/postgresql/17/bin", patroniMajor: 4 });
        expect(imageSource(r.layout.image, r.spec)).toEqual({ kind: "build", name: "patroni-17", ref: "pgscale/patroni-17:0.12.0" });
    });

    it.each([16, 18, "17", 17.0001, null])("refuses %p naming postgresVersion", (v) => {
        const issues = fields(() => resolvePatroniCluster({ postgresVersion: v }, "PatroniCluster main"));
        expect(issues).toEqual(["postgresVersion: must be one of 15, 17 (a number): the PostgreSQL majors pgscale has images for"]);
    });

    it("is an option of StreamingReplica too (the primary's major)", () => {
        const base = { primaryHost: "pg", primaryAdminUri: "postgresql://x@y/z" };
        expect(resolveStreamingReplica("r", { ...base, postgresVersion: 17 }, "StreamingReplica r").spec.postgresVersion).toBe(17);
        expect(fields(() => resolveStreamingReplica("r", { ...base, postgresVersion: 16 }, "StreamingReplica r"))[0]).toMatch(/^postgresVersion: /);
    });
});

describe("parameters against the major", () => {
    it("refuses a parameter 17 removed, naming it, and accepts it on 15", () => {
        const params = { old_snapshot_threshold: "-1", vacuum_defer_cleanup_age: "0" };
        expect(fields(() => resolvePatroniCluster({ postgresVersion: 17, parameters: params }, "PatroniCluster main"))).toEqual([
            "parameters.old_snapshot_threshold: does not exist in PostgreSQL 17 (only in 15); PostgreSQL would refuse to start with it",
            "parameters.vacuum_defer_cleanup_age: does not exist in PostgreSQL 17 (only in 15); PostgreSQL would refuse to start with it",
        ]);
        expect(fields(() => resolvePatroniCluster({ postgresVersion: 15, parameters: params }, "PatroniCluster main"))).toEqual([]);
        // The default major is 17.
        expect(fields(() => resolvePatroniCluster({ parameters: params }, "PatroniCluster main"))).toHaveLength(2);
    });

    it("refuses a parameter only 17 has on 15, and accepts it on 17", () => {
        const params = { summarize_wal: "on", sync_replication_slots: "off", transaction_timeout: "0" };
        expect(fields(() => resolvePatroniCluster({ postgresVersion: 15, parameters: params }, "PatroniCluster main"))).toHaveLength(3);
        expect(fields(() => resolvePatroniCluster({ postgresVersion: 15, parameters: params }, "PatroniCluster main"))[0]).toBe(
            "parameters.summarize_wal: does not exist in PostgreSQL 15 (only in 17); PostgreSQL would refuse to start with it");
        const r = resolvePatroniCluster({ postgresVersion: 17, parameters: params }, "PatroniCluster main");
        expect(r.parameters).toMatchObject(params);
    });

    it("keeps refusing what Patroni owns on either major", () => {
        for (const postgresVersion of [15, 17])
            expect(fields(() => resolvePatroniCluster({ postgresVersion, parameters: { port: 5433 } }, "PatroniCluster main")))
                .toEqual(["parameters.port: is managed by Patroni and cannot be set here"]);
    });

    it("derives only parameters both majors have", () => {
        for (const v of [15, 17] as const) {
            const r = resolvePatroniCluster({ postgresVersion: v }, "PatroniCluster main");
            expect(parameterVersionIssues(v, Object.keys(r.parameters))).toEqual([]);
        }
        expect(PARAMETERS_ONLY_IN[15].filter((p) => PARAMETERS_ONLY_IN[17].includes(p))).toEqual([]);
    });
});

describe("images and layouts", () => {
    it("has an image per major, under pgscale/<image>:<version> or REGISTRY/<image>:TAG", () => {
        expect(IMAGE_NAMES).toContain("patroni-17");
        expect(DEFAULT_IMAGES.patroni).toBe("pgscale/patroni:0.1.0"); // existing stacks never change image
        expect(DEFAULT_IMAGES["patroni-17"]).toBe("pgscale/patroni-17:0.12.0");
        expect(imageSource(postgresLayout(17).image, { images: { registry: "r.example.com/team", tag: "2" } }))
            .toEqual({ kind: "pull", ref: "r.example.com/team/patroni-17:2" });
    });
});
