import { Client } from "pg";
import { libpqCompatible, quoteIdent } from "@pgscale/core";
import { ClusterInfo } from "./cluster-info";
import { waitFor } from "./wait";

const NAME = /^[a-z0-9_]{1,40}$/;

/**
 * Prefix of the snapshot templates of database slot `slot` of a kept cluster (slot 1, and every
 * cluster that is not kept: `pgscale_snapshot_`). Processes sharing a kept cluster each have a slot,
 * so their snapshots of the same name never overwrite each other; no prefix is a prefix of another.
 */
export function snapshotPrefix(slot = 1): string {
    return slot === 1 ? "pgscale_snapshot_" : `pgscale_s${slot}_snapshot_`;
}

/** The template database that holds snapshot `name`. */
export function snapshotDatabase(name: string, slot = 1): string {
    if (!NAME.test(name)) throw new Error(`snapshot name ${JSON.stringify(name)}: use 1-40 of a-z, 0-9 and _`);
    return `${snapshotPrefix(slot)}${name}`;
}

export async function asSuperuser<T>(info: ClusterInfo, fn: (c: Client) => Promise<T>): Promise<T> {
    const c = new Client({ connectionString: libpqCompatible(info.superuserUri), connectionTimeoutMillis: 5000 });
    c.on("error", () => undefined);
    await c.connect();
    try {
        return await fn(c);
    } finally {
        await c.end().catch(() => undefined);
    }
}

/**
 * CREATE DATABASE ... TEMPLATE needs the source to have no other sessions. Refusing new connections
 * first closes the race with clients (or PgBouncer) reconnecting between termination and copy.
 */
export async function withDatabaseClosed<T>(c: Client, db: string, fn: () => Promise<T>): Promise<T> {
    await c.query(`ALTER DATABASE ${quoteIdent(db)} WITH ALLOW_CONNECTIONS false`);
    try {
        await c.query("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()", [db]);
        return await fn();
    } finally {
        await c.query(`ALTER DATABASE ${quoteIdent(db)} WITH ALLOW_CONNECTIONS true`).catch(() => undefined);
    }
}

export async function dropTemplate(c: Client, db: string): Promise<void> {
    const [row] = (await c.query("SELECT 1 FROM pg_database WHERE datname = $1", [db])).rows;
    if (!row) return;
    // A template database cannot be dropped until it is unmarked.
    await c.query(`ALTER DATABASE ${quoteIdent(db)} WITH IS_TEMPLATE false`);
    await c.query(`DROP DATABASE ${quoteIdent(db)}`);
}

// PostgreSQL's default copy strategy since 15 (WAL_LOG) is kept: FILE_COPY's two checkpoints made restores
// slower with fsync on and no faster with it off (docs/testing.md, benchmarks).

/** Databases set aside by a restore or a reuse reset (renamed: instant), dropped later, off the caller's path. */
export const TRASH_PREFIX = "pgscale_trash_";

/** Prefix of the ready copies of slot `slot`'s snapshots; no prefix is a prefix of another. */
export function readyPrefix(slot = 1): string {
    return `pgscale_ready_${slot}_`;
}

/**
 * A copy of snapshot `name` made ahead, off the test's path, for its next restore: restore() then
 * renames it into place instead of copying (no connections are allowed to it until then).
 */
export function readyCopyDatabase(name: string, slot = 1): string {
    snapshotDatabase(name, slot); // validates the name
    return `${readyPrefix(slot)}${name}`;
}

/**
 * Work a snapshot or restore leaves behind (making the next ready copy, dropping what it set aside),
 * per cluster, one job after another. Every snapshot operation waits for it first, and so does
 * stop(), so it never races the caller's own DDL and no connection outlives the test.
 */
const background = new WeakMap<ClusterInfo, Promise<void>>();

function later(info: ClusterInfo, job: (c: Client) => Promise<void>): void {
    const previous = background.get(info) ?? Promise.resolve();
    // A failed job only costs the next restore its ready copy (it copies instead), or leaves
    // trash for the next reuse reset: never the caller's concern.
    background.set(info, previous.then(() => asSuperuser(info, job)).catch(() => undefined));
}

/** Resolves once the background work of info's snapshots is done. */
export async function snapshotsSettled(info: ClusterInfo): Promise<void> {
    await background.get(info);
}

/** Closes `datname`, waits until its sessions have exited, and renames it out of the way. Returns the new name. */
export async function setAside(c: Client, datname: string, slot = 1, i = 0): Promise<string> {
    const db = quoteIdent(datname);
    await c.query(`ALTER DATABASE ${db} WITH ALLOW_CONNECTIONS false`);
    // A rename needs the database without sessions; the timeout waits until each one has exited.
    await c.query("SELECT pg_terminate_backend(pid, 5000) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()", [datname]);
    const trash = `${TRASH_PREFIX}${slot}_${Date.now().toString(36)}_${i}`;
    await c.query(`ALTER DATABASE ${db} RENAME TO ${quoteIdent(trash)}`);
    return trash;
}

async function exists(c: Client, datname: string): Promise<boolean> {
    return (await c.query("SELECT 1 FROM pg_database WHERE datname = $1", [datname])).rows.length > 0;
}

async function dropDatabase(c: Client, datname: string): Promise<void> {
    await c.query(`DROP DATABASE IF EXISTS ${quoteIdent(datname)} WITH (FORCE)`);
}

/** Makes the ready copy of snapshot `name` unless one exists: owner and privileges as restore() sets them. */
async function makeReadyCopy(c: Client, info: ClusterInfo, name: string): Promise<void> {
    const ready = readyCopyDatabase(name, info.reuse?.slot);
    if (await exists(c, ready)) return;
    await createFrom(c, { ...info, database: ready }, snapshotDatabase(name, info.reuse?.slot));
    await c.query(`ALTER DATABASE ${quoteIdent(ready)} WITH ALLOW_CONNECTIONS false`);
}

/** Copies the application database into template database `pgscale_snapshot_<name>` (replacing one of that name). Sessions on it are terminated. */
export async function snapshot(info: ClusterInfo, name: string): Promise<void> {
    const snap = snapshotDatabase(name, info.reuse?.slot);
    await snapshotsSettled(info);
    await asSuperuser(info, async (c) => {
        // A ready copy of an earlier snapshot of this name would restore the old state.
        await dropDatabase(c, readyCopyDatabase(name, info.reuse?.slot));
        await dropTemplate(c, snap);
        await withDatabaseClosed(c, info.database, () =>
            c.query(`CREATE DATABASE ${quoteIdent(snap)} TEMPLATE ${quoteIdent(info.database)}`));
        // Nobody connects to a snapshot: it only serves as a template.
        await c.query(`ALTER DATABASE ${quoteIdent(snap)} WITH IS_TEMPLATE true ALLOW_CONNECTIONS false`);
        // The first restore's copy, made here rather than in the background: a suite snapshots once
        // (beforeAll) and restores before each test, the first one right away.
        await makeReadyCopy(c, info, name);
    });
}

/**
 * Replaces the application database with a copy of snapshot `name`. Sessions on it are terminated
 * (pools reconnect); resolves once every streaming replica has replayed the change, so reads through
 * replicaUri see the restored state too. The copy was made ahead (by snapshot(), or in the background
 * after the previous restore), so the restore itself is two renames; the next copy is made after it
 * returns.
 */
export async function restore(info: ClusterInfo, name: string): Promise<void> {
    const snap = snapshotDatabase(name, info.reuse?.slot);
    const ready = readyCopyDatabase(name, info.reuse?.slot);
    await snapshotsSettled(info);
    let trash: string | undefined;
    await asSuperuser(info, async (c) => {
        if (!(await exists(c, snap))) throw new Error(`restore(${JSON.stringify(name)}): no such snapshot in ${info.stackName}; call snapshot(${JSON.stringify(name)}) first`);
        if (await exists(c, ready)) {
            if (await exists(c, info.database)) trash = await setAside(c, info.database, info.reuse?.slot);
            await c.query(`ALTER DATABASE ${quoteIdent(ready)} RENAME TO ${quoteIdent(info.database)}`);
            await c.query(`ALTER DATABASE ${quoteIdent(info.database)} WITH ALLOW_CONNECTIONS true`);
        } else {
            await recreateFrom(c, info, snap);
        }
        await untilReplicasReplayed(c);
    });
    later(info, async (c) => {
        if (trash) await dropDatabase(c, trash);
        await makeReadyCopy(c, info, name);
    });
}

/** Drops the application database (if any; its sessions are terminated) and creates it anew from `template`. */
export async function recreateFrom(c: Client, info: ClusterInfo, template: string): Promise<void> {
    const db = quoteIdent(info.database);
    const [exists] = (await c.query("SELECT 1 FROM pg_database WHERE datname = $1", [info.database])).rows;
    if (exists) {
        await c.query(`ALTER DATABASE ${db} WITH ALLOW_CONNECTIONS false`);
        await c.query(`DROP DATABASE ${db} WITH (FORCE)`);
    }
    await createFrom(c, info, template);
}

/** Creates the application database from `template`, owned by its owner, with the privileges of post-bootstrap. */
export async function createFrom(c: Client, info: ClusterInfo, template: string): Promise<void> {
    const db = quoteIdent(info.database);
    await c.query(`CREATE DATABASE ${db} TEMPLATE ${quoteIdent(template)} OWNER ${quoteIdent(info.owner)}`);
    // Database-level privileges are not copied from a template: restore those of post-bootstrap.
    await c.query(`REVOKE ALL ON DATABASE ${db} FROM PUBLIC`);
    await c.query(`GRANT CONNECT, TEMPORARY ON DATABASE ${db} TO ${quoteIdent(info.owner)}`);
}

export async function untilReplicasReplayed(c: Client): Promise<void> {
    const [{ lsn }] = (await c.query("SELECT pg_current_wal_lsn()::text AS lsn")).rows;
    await waitFor("replicas to replay the restored database", 30_000, async () => {
        const [row] = (await c.query(
            `SELECT count(*) FILTER (WHERE replay_lsn IS NULL OR replay_lsn < $1::pg_lsn)::int AS behind
               FROM pg_stat_replication WHERE state = 'streaming'`,
            [lsn],
        )).rows;
        return row.behind === 0;
    }, 20);
}
