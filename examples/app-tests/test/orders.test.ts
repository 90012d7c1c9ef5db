// Application tests against the production topology: 3 PostgreSQL nodes under Patroni with
// synchronous replication, HAProxy and PgBouncer, started for this file and destroyed after it.
import { randomUUID } from "crypto";
import { Pool } from "pg";
import { startCluster, TestCluster } from "@pgscale/testing";
import { OrderRepository, createPool, migrate } from "../src/orders";

// Starting the cluster takes ~25 s; a SIGKILL failover ~20-25 s (Patroni's ttl).
jest.setTimeout(5 * 60_000);

describe("OrderRepository on an HA cluster", () => {
    let cluster: TestCluster;
    let writer: Pool;
    let reader: Pool;
    let orders: OrderRepository;

    beforeAll(async () => {
        cluster = await startCluster({ nodes: 3, pooler: true, synchronousMode: true });
        const admin = createPool(cluster.primaryUri);
        await migrate(admin);
        await admin.end();
        // Every test starts from this state (restore takes well under a second).
        await cluster.snapshot("migrated");
    });

    afterAll(async () => {
        await cluster?.destroy();
    });

    beforeEach(async () => {
        await cluster.restore("migrated");
        // Writes go through PgBouncer, reads to the replicas, as in production.
        writer = createPool(cluster.poolerUri!);
        reader = createPool(cluster.replicaUri);
        orders = new OrderRepository(writer, reader, { maxElapsedMs: 90_000 });
    });

    afterEach(async () => {
        await Promise.all([writer.end(), reader.end()]);
    });

    it("places an order once, however often it is retried", async () => {
        const order = { id: randomUUID(), customer: "ada", amountCents: 1250 };
        await orders.place(order);
        await orders.place(order);
        expect(await orders.ids()).toEqual([order.id]);
    });

    it("starts every test from the migrated snapshot", async () => {
        expect(await orders.ids()).toEqual([]);
    });

    it("reads its writes from a replica (synchronous standby caught up)", async () => {
        const order = { id: randomUUID(), customer: "grace", amountCents: 990 };
        await orders.place(order);
        // Synchronous replication waits for the standby's flush, not its replay: poll (replay is
        // usually milliseconds behind; a loaded machine can take seconds).
        let found = await orders.get(order.id);
        for (let i = 0; !found && i < 300; i++) {
            await new Promise((r) => setTimeout(r, 50));
            found = await orders.get(order.id);
        }
        expect(found).toMatchObject({ customer: "grace", amountCents: 990 });
    });

    it("keeps taking orders while the primary is killed, and loses none it acknowledged", async () => {
        const acknowledged: string[] = [];
        let failoverDone = false;
        let placedAfterFailover = 0;
        let trafficFailed = false;
        // A steady stream of orders, as a busy service would send them.
        const traffic = (async () => {
            while (!failoverDone || placedAfterFailover < 20) {
                const id = randomUUID();
                await orders.place({ id, customer: "linus", amountCents: 100 });
                acknowledged.push(id);
                if (failoverDone) placedAfterFailover++;
            }
        })();
        // Awaited below; meanwhile a failure must neither go unhandled nor leave this test waiting.
        traffic.catch(() => (trafficFailed = true));
        while (acknowledged.length < 20 && !trafficFailed) await new Promise((r) => setTimeout(r, 20));

        const failover = await cluster.killPrimary();
        failoverDone = true;
        await traffic;

        expect(failover.to).not.toBe(failover.from);
        // Synchronous mode: every acknowledged commit was on the standby that took over.
        const stored = new Set(await orders.ids());
        expect(acknowledged.filter((id) => !stored.has(id))).toEqual([]);
        expect(stored.size).toBe(acknowledged.length);
        // Replicas follow the new primary within seconds; reads from them are only eventually consistent.
        const expected = 100 * acknowledged.length;
        let total = await orders.totalFor("linus");
        for (let i = 0; total !== expected && i < 150; i++) {
            await new Promise((r) => setTimeout(r, 200));
            total = await orders.totalFor("linus");
        }
        expect(total).toBe(expected);

        // Back to three nodes for whatever runs next.
        await cluster.rejoin(failover.from);
    });
});
