import { Client } from "pg";
import { quoteIdent } from "@pgscale/core";
import { ClusterInfo } from "./cluster-info";
import { asSuperuser, createFrom, snapshotPrefix, untilReplicasReplayed } from "./snapshots";

/** The application database as it was right after bootstrap: what every reuse starts from. */
export const CLEAN_TEMPLATE = "pgscale_reuse_clean";

/** Databases a reset set aside, dropped after the start resolved. */
const TRASH_PREFIX = "pgscale_trash_";

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
        "SELECT datname FROM pg_database WHERE datname = $1 OR starts_with(datname, $2) ORDER BY datname", [info.database, snapshotPrefix(slot)]);
    const stamp = `${slot}_${Date.now().toString(36)}`;
    for (const [i, { datname }] of rows.entries()) {
        const db = quoteIdent(datname);
        await c.query(`ALTER DATABASE ${db} WITH ALLOW_CONNECTIONS false`);
        // A rename needs the database without sessions; the timeout waits until each one has exited.
        await c.query("SELECT pg_terminate_backend(pid, 5000) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()", [datname]);
        await c.query(`ALTER DATABASE ${db} RENAME TO ${quoteIdent(`${TRASH_PREFIX}${stamp}_${i}`)}`);
    }
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
