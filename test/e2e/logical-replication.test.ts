// Publication and Subscription between two pgscale clusters through `pulumi up`: rows copied and
// then streamed, a table without a replica identity refused at preview, the slot on the publisher
// dropped with the subscription; and a subscription on a slot the publisher's Patroni keeps
// (`logicalSlots`) streaming on from the new primary after the publisher's leader is killed.
import { Stack } from "@pulumi/pulumi/automation";
import { destroyAndRemove, dockerObjectsOfStack, fixtureStack, plainOutputs, uniqueStackName } from "../support/stack";
import { eventually, query } from "../support/pg";
import { killLeaderAndRejoin } from "../support/failover";

jest.setTimeout(10 * 60 * 1000);

describe("logical replication between two clusters", () => {
    const name = uniqueStackName("logical");
    let stack: Stack | undefined;
    let out: { pubUri: string; subUri: string; pubSuperuserPassword: string; pubMembers: Array<{ name: string; container: string; restUrl: string; pgPort: number }> };
    const quiet = { onOutput: () => undefined };
    const up = async (config: Record<string, string>) => {
        for (const [k, v] of Object.entries(config)) await stack!.setConfig(k, { value: v });
        return stack!.up(quiet);
    };
    // The subscriptions' own slots: items_slot belongs to pub's Patroni (logicalSlots) throughout.
    const slots = () => query(out.pubUri, "SELECT slot_name AS s FROM pg_replication_slots WHERE slot_type = 'logical' AND slot_name <> 'items_slot'");
    const member = (m: { pgPort: number }) => `postgresql://postgres:${encodeURIComponent(out.pubSuperuserPassword)}@127.0.0.1:${m.pgPort}/appdb?sslmode=require`;

    beforeAll(async () => {
        stack = await fixtureStack("logical", name);
        out = plainOutputs((await up({ replicate: "false" })).outputs) as typeof out;
        for (const uri of [out.pubUri, out.subUri]) await query(uri, "CREATE TABLE orders (id int PRIMARY KEY, note text); CREATE TABLE items (id int PRIMARY KEY, note text)");
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

    it("keeps a subscription on Patroni's permanent slot through a failover of the publisher, and leaves the slot when removed", async () => {
        await query(out.pubUri, "INSERT INTO items SELECT g, 'before' FROM generate_series(1, 50) g");
        await up({ keep: "true" });
        const count = async (where = "true") => (await query(out.subUri, `SELECT count(*)::int AS n FROM items WHERE ${where}`))[0].n;
        await eventually(async () => (await count()) === 50, 60000, "initial copy of items");
        await query(out.pubUri, "INSERT INTO items SELECT g, 'streamed' FROM generate_series(51, 60) g");
        await eventually(async () => (await count()) === 60, 30000, "items streamed");
        // Patroni copied the slot to the replica and advances it there to what the subscriber confirmed.
        const primaryLsn = (await query(out.pubUri, "SELECT confirmed_flush_lsn::text AS l FROM pg_replication_slots WHERE slot_name = 'items_slot'"))[0].l;
        await eventually(async () => {
            for (const m of out.pubMembers) {
                const [r] = await query(member(m), "SELECT pg_is_in_recovery() AS standby, (SELECT confirmed_flush_lsn >= $1::pg_lsn FROM pg_replication_slots WHERE slot_name = 'items_slot') AS caught_up", [primaryLsn]);
                if (r.standby && r.caught_up === true) return true;
            }
            return false;
        }, 30000, "items_slot copied to the replica and advanced");

        const failover = await killLeaderAndRejoin({ primaryUri: out.pubUri, members: out.pubMembers }, { sql: "INSERT INTO items VALUES (1000, 'during failover') ON CONFLICT DO NOTHING" });
        expect(failover.newLeader).not.toBe(failover.oldLeader);
        await query(out.pubUri, "INSERT INTO items SELECT g, 'after failover' FROM generate_series(61, 70) g");
        await eventually(async () => (await count("id > 60")) === 11, 90000, "items written on the new primary reach the subscriber");
        expect(await count()).toBe(71);
        const [slot] = await query(out.pubUri, "SELECT active FROM pg_replication_slots WHERE slot_name = 'items_slot'");
        expect(slot.active).toBe(true);

        // Removing the subscription leaves the slot Patroni owns (DROP SUBSCRIPTION would have dropped it).
        await up({ keep: "false" });
        expect(await query(out.subUri, "SELECT subname FROM pg_subscription")).toEqual([]);
        expect(await query(out.pubUri, "SELECT slot_name AS s, active FROM pg_replication_slots WHERE slot_name = 'items_slot'")).toEqual([{ s: "items_slot", active: false }]);
    });

    it("destroys everything it created", async () => {
        const down = await stack!.destroy(quiet);
        expect(down.summary.result).toBe("succeeded");
        expect(dockerObjectsOfStack(name)).toEqual({ containers: [], networks: [], volumes: [] });
    });
});
