import * as pulumi from "@pulumi/pulumi";
import { PgscaleValidationError, type PartitionedTableInput } from "@pgscale/core";

// The construct's graph under Pulumi mocks (no engine): validation before any
// registration, the connection registered as a secret, and a serialized provider
// that carries no credential.

const registered: pulumi.runtime.MockResourceArgs[] = [];
pulumi.runtime.setMocks(
    {
        newResource(args) {
            registered.push(args);
            return { id: `${args.inputs.schema}.${args.inputs.name}`, state: args.inputs };
        },
        call: () => ({}),
    },
    "project",
    "stack",
    false,
);

// Imported after setMocks, as the mocks must be in place first.
const { PartitionedTable, partitionedTableProvider } = require("../index") as typeof import("../index");

const CONNECTION = "postgresql://app:hunter2-secret@db.internal:5432/app";

const spec = (): PartitionedTableInput => ({
    name: "events",
    columns: [
        { name: "id", type: "bigint", identity: "always" },
        { name: "created_at", type: "timestamptz", notNull: true },
    ],
    primaryKey: ["id", "created_at"],
    partitionBy: { strategy: "range", columns: ["created_at"] },
    partitions: [{ name: "events_2024_q1", from: "2024-01-01", to: "2024-04-01" }],
});

const settle = <T>(o: pulumi.Output<T>) => new Promise<T>((resolve) => o.apply(resolve));

describe("PartitionedTable", () => {
    it("validates the spec before registering anything, naming the field", () => {
        const before = registered.length;
        const bad = { ...spec(), primaryKey: ["id"] };
        expect(() => new PartitionedTable("bad", { ...bad, connection: CONNECTION })).toThrow(PgscaleValidationError);
        expect(() => new PartitionedTable("bad", { ...bad, connection: CONNECTION })).toThrow(/PartitionedTable bad: invalid input\n {2}- primaryKey: must include the partition column/);
        expect(registered.length).toBe(before);
    });

    it("registers the defaulted spec and the connection, keeping the connection secret", async () => {
        const table = new PartitionedTable("events", { ...spec(), connection: CONNECTION });
        await settle(table.urn);
        const args = registered.find((r) => r.name === "events")!;
        expect(args.type).toBe("pulumi-nodejs:dynamic/pgscale:PartitionedTable");
        expect(args.inputs).toMatchObject({ schema: "public", name: "events", removalPolicy: "retain" });
        // The engine receives the input wrapped as a secret: encrypted in the state, masked in diffs.
        expect(args.inputs.connection).toEqual({ [pulumi.runtime.specialSigKey]: pulumi.runtime.specialSecretSig, value: CONNECTION });
        expect(await pulumi.isSecret(table.connection)).toBe(true);
        expect(JSON.stringify(args.inputs.__provider)).not.toContain("hunter2");
    });

    it("keeps a connection given as an Output secret", async () => {
        const table = new PartitionedTable("events2", { ...spec(), name: "events2", connection: pulumi.output(CONNECTION) });
        expect(await pulumi.isSecret(table.connection)).toBe(true);
    });
});

describe("partitionedTableProvider serialization", () => {
    it("captures only where the package is: small text that loads the implementation from there", async () => {
        const { text } = await pulumi.runtime.serializeFunction(() => partitionedTableProvider, { allowSecrets: false });
        // The package's own entry first (strict installs), its name as the fallback (own-package.ts).
        expect(text).toContain(JSON.stringify(require.resolve("../index")).slice(1, -1));
        expect(text).toContain('"@pgscale/postgres"');
        expect(text).not.toContain("hunter2");
        expect(text).not.toMatch(/postgres(ql)?:\/\//);
        // Serializing the handlers, pg or zod by value would be hundreds of kilobytes.
        expect(text.length).toBeLessThan(8_000);
    });
});
