import { Client } from "pg";
import { quoteIdent } from "@pgscale/core";
import { ClusterInfo } from "./cluster-info";
import { TRASH_PREFIX, asSuperuser, createFrom, readyPrefix, setAside, snapshotPrefix, untilReplicasReplayed } from "./snapshots";

/** The application database as it was right after bootstrap: what every reuse starts from. */
export const CLEAN_TEMPLATE = "pgscale_reuse_clean";

/** A clean copy made ahead for the slot's next reset (no connections allowed until it is used). */
export function spareDatabase(slot: number): string {
    return `pgscale_spare_${slot}`;
}

/**
 * Puts the slot's database back to the clean state and sets the slot's leftover snapshots aside.
 * Nothing slow happens here, so a reusing start waits for none of it (measured, 3 durable nodes:
 * dropping a database a run filled ~0.3 s, creating one from the template ~0.1 s and its replay on
 * the replicas ~0.3 s): the previous run's database and snapshots are renamed out of the way, and
 * the slot's spare — a copy of the clean template made by tidy() while the previous run's tests ran,
 * already on the replicas — is renamed into place. Without a spare (a run that died before tidy()
 * finished) the database is created from the template here.
 */
export async function resetSlot(c: Client, info: ClusterInfo): Promise<void> {
    const slot = info.reuse!.slot;
    const { rows } = await c.query<{ datname: string }>(
        "SELECT datname FROM pg_database WHERE datname = $1 OR starts_with(datname, $2) OR starts_with(datname, $3) ORDER BY datname",
        [info.database, snapshotPrefix(slot), readyPrefix(slot)]);
    for (const [i, { datname }] of rows.entries()) await setAside(c, datname, slot, i);
    const spare = spareDatabase(slot);
    const [hasSpare] = (await c.query("SELECT 1 FROM pg_database WHERE datname = $1", [spare])).rows;
    if (hasSpare) {
        // Owner and database privileges were set when the spare was made; a rename keeps them.
        await c.query(`ALTER DATABASE ${quoteIdent(spare)} RENAME TO ${quoteIdent(info.database)}`);
        await c.query(`ALTER DATABASE ${quoteIdent(info.database)} WITH ALLOW_CONNECTIONS true`);
    } else {
        await createFrom(c, info, CLEAN_TEMPLATE);
    }
    await untilReplicasReplayed(c);
}

/**
 * After a start resolved, while the tests run: drops what resets set aside, and makes the slot's
 * spare for the next run. Concurrent runs may race for the same trash: IF EXISTS, and failures are
 * not this run's concern (the next start tries again, or creates from the template).
 */
export async function tidy(info: ClusterInfo): Promise<void> {
    try {
        await asSuperuser(info, async (c) => {
            const { rows } = await c.query<{ datname: string }>("SELECT datname FROM pg_database WHERE starts_with(datname, $1)", [TRASH_PREFIX]);
            for (const { datname } of rows) {
                const db = quoteIdent(datname);
                await c.query(`ALTER DATABASE ${db} WITH IS_TEMPLATE false`).catch(() => undefined);
                await c.query(`DROP DATABASE IF EXISTS ${db} WITH (FORCE)`).catch(() => undefined);
            }
            const spare = spareDatabase(info.reuse!.slot);
            const [exists] = (await c.query("SELECT 1 FROM pg_database WHERE datname = $1", [spare])).rows;
            if (!exists) {
                await createFrom(c, { ...info, database: spare }, CLEAN_TEMPLATE);
                await c.query(`ALTER DATABASE ${quoteIdent(spare)} WITH ALLOW_CONNECTIONS false`);
            }
        });
    } catch {
        // The cluster went away meanwhile (a chaos test, destroy): nothing left to do.
    }
}
