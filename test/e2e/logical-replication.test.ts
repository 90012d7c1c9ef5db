// Publication and Subscription between two pgscale clusters through `pulumi up`: rows copied and
// then streamed, a table without a replica identity refused at preview, and the slot on the
// publisher dropped with the subscription.
import { Stack } from "@pulumi/pulumi/automation";
import { destroyAndRemove, dockerObjectsOfStack, fixtureStack, plainOutputs, uniqueStackName } from "../support/stack";
import { eventually, query } from "../support/pg";

jest.setTimeout(10 * 60 * 1000);

describe("logical replication between two clusters", () => {
    const name = uniqueStackName("logical");
    let stack: Stack | undefined;
    let out: { pubUri: string; subUri: string };
    const quiet = { onOutput: () => undefined };
    const up = async (config: Record<string, string>) => {
        for (const [k, v] of Object.entries(config)) await stack!.setConfig(k, { value: v });
        return stack!.up(quiet);
    };
    const slots = () => query(out.pubUri, "SELECT slot_name AS s FROM pg_replication_slots WHERE slot_type = 'logical'");

    beforeAll(async () => {
        stack = await fixtureStack("logical", name);
        out = plainOutputs((await up({ replicate: "false" })).outputs) as typeof out;
        for (const uri of [out.pubUri, out.subUri]) await query(uri, "CREATE TABLE orders (id int PRIMARY KEY, note text)");
        await query(out.pubUri, "CREATE TABLE audit (at timestamptz, note text)");
        await query(out.pubUri, "INSERT INTO orders SELECT g, 'before' FROM generate_series(1, 100) g");
    });
    afterAll(async () => destroyAndRemove(stack));

    it("copies the existing rows, then streams new ones", async () => {
        await up({ replicate: "true", tables: JSON.stringify(["orders"]) });
        await eventually(async () => (await query(out.subUri, "SELECT count(*)::int AS n FROM orders"))[0].n === 100, 60000, "initial copy");
        await query(out.pubUri, "INSERT INTO orders VALUES (101, 'after'); UPDATE orders SET note = 'changed' WHERE id = 1");
        await eventually(async () => {
            const rows = await query(out.subUri, "SELECT id, note FROM orders WHERE id IN (1, 101) ORDER BY id");
            return rows.length === 2 && rows[0].note === "changed" && rows[1].note === "after";
        }, 30000, "changes streamed");
        expect(await slots()).toEqual([{ s: "orders_sub" }]);
    });

    it("refuses at preview a table whose updates cannot be replicated (no replica identity), naming it", async () => {
        await stack!.setConfig("tables", { value: JSON.stringify(["orders", "audit"]) });
        await expect(stack!.preview(quiet)).rejects.toThrow(/tables\[1\]: table public\.audit has no primary key or replica identity/);
        await stack!.setConfig("tables", { value: JSON.stringify(["orders"]) });
    });

    it("removing the subscription drops its slot on the publisher", async () => {
        await up({ replicate: "false" });
        expect(await slots()).toEqual([]);
        expect(await query(out.pubUri, "SELECT count(*)::int AS n FROM pg_publication")).toEqual([{ n: 0 }]);
    });

    it("destroys everything it created", async () => {
        const down = await stack!.destroy(quiet);
        expect(down.summary.result).toBe("succeeded");
        expect(dockerObjectsOfStack(name)).toEqual({ containers: [], networks: [], volumes: [] });
    });
});
