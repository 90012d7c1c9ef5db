// StreamingReplica against a plain PostgreSQL primary: slot + role on the primary, a hot standby
// that streams from the slot, and removal that drops the slot again.
import { Stack } from "@pulumi/pulumi/automation";
import { destroyAndRemove, docker, dockerObjectsOfStack, fixtureStack, plainOutputs, uniqueStackName } from "../support/stack";
import { eventually, query } from "../support/pg";

jest.setTimeout(10 * 60 * 1000);

describe("StreamingReplica", () => {
    const name = uniqueStackName("sr");
    let stack: Stack | undefined;
    const quiet = { onOutput: () => undefined };
    afterAll(async () => destroyAndRemove(stack));

    it("streams from a slot on an unmanaged primary and drops the slot when removed", async () => {
        stack = await fixtureStack("streaming-replica", name, { withReplica: { value: "true" } });
        let out = plainOutputs((await stack.up(quiet)).outputs);

        const [slot] = await query(out.primaryUri, "SELECT slot_name, active FROM pg_replication_slots");
        expect(slot).toEqual({ slot_name: "replica1", active: true });
        const [role] = await query(out.primaryUri, "SELECT rolreplication, left(rolpassword, 14) AS p FROM pg_authid WHERE rolname = 'replicator_replica1'");
        expect(role).toEqual({ rolreplication: true, p: "SCRAM-SHA-256$" });
        const [rep] = await query(out.primaryUri, "SELECT usename, state FROM pg_stat_replication");
        expect(rep).toEqual({ usename: "replicator_replica1", state: "streaming" });

        await query(out.primaryUri, "CREATE TABLE legacy (id int); INSERT INTO legacy VALUES (42)");
        const rows = await eventually(async () => {
            const found = await query(out.replicaUri, "SELECT (SELECT id FROM legacy) AS id, pg_is_in_recovery() AS standby").catch(() => []);
            return found[0]?.id === 42 ? found : undefined;
        }, 20000, "row on the replica");
        expect(rows![0]).toEqual({ id: 42, standby: true });
        const conf = docker("exec", out.replicaContainer, "cat", "/var/lib/postgresql/data/pg15/postgresql.auto.conf");
        expect(conf).toMatch(/primary_conninfo = '.*user=replicator_replica1/);
        expect(conf).toContain("primary_slot_name = 'replica1'");

        await stack.setConfig("withReplica", { value: "false" });
        out = plainOutputs((await stack.up(quiet)).outputs);
        expect(await query(out.primaryUri, "SELECT slot_name FROM pg_replication_slots")).toEqual([]);
        expect(await query(out.primaryUri, "SELECT 1 FROM pg_roles WHERE rolname = 'replicator_replica1'")).toEqual([]);
        expect((await query(out.primaryUri, "SELECT id FROM legacy"))[0].id).toBe(42);

        await stack.destroy(quiet);
        expect(dockerObjectsOfStack(name)).toEqual({ containers: [], networks: [], volumes: [] });
    });
});
