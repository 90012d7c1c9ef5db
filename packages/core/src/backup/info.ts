import { z } from "zod";
import { parseJsonSpec } from "../validation";

// `pgbackrest --stanza=<scope> --output=json info`, read into what an operator asks of a
// repository: which backups exist, how big, and from when to when a restore can reach. Only the
// fields used are declared (zod drops the rest), so a newer pgBackRest adding fields still parses.

export const BACKUP_KINDS = ["full", "diff", "incr"] as const;
export type BackupKind = (typeof BACKUP_KINDS)[number];

const backupEntry = z.object({
    label: z.string(),
    type: z.enum(BACKUP_KINDS),
    prior: z.string().nullable(),
    /** Set when pgBackRest found page checksum errors while copying; the backup is still restorable but suspect. */
    error: z.boolean().optional(),
    timestamp: z.object({ start: z.number(), stop: z.number() }),
    archive: z.object({ start: z.string().nullable(), stop: z.string().nullable() }),
    lsn: z.object({ start: z.string(), stop: z.string() }).optional(),
    info: z.object({
        size: z.number(),
        delta: z.number(),
        repository: z.object({ size: z.number().optional(), delta: z.number() }),
    }),
    database: z.object({ id: z.number() }),
});

const stanzaEntry = z.object({
    name: z.string(),
    status: z.object({
        code: z.number(),
        message: z.string(),
        lock: z.object({ backup: z.object({ held: z.boolean() }) }).optional(),
    }),
    cipher: z.string().optional(),
    /** Each repository's own status: the cause (e.g. a CryptoError) when the stanza's is only "other". */
    repo: z.array(z.object({ status: z.object({ code: z.number(), message: z.string() }) })).optional(),
    backup: z.array(backupEntry),
    archive: z.array(z.object({ id: z.string(), database: z.object({ id: z.number() }), min: z.string().nullable(), max: z.string().nullable() })),
    db: z.array(z.object({ id: z.number(), version: z.string() })),
});

const infoDocument = z.array(stanzaEntry);

/** One backup set as `pgscale backup list` shows it. Times are ISO 8601 (UTC). */
export interface BackupSet {
    label: string;
    type: BackupKind;
    /** The backup this one depends on (diff: its full; incr: the previous backup); null for a full. */
    prior: string | null;
    startedAt: string;
    stoppedAt: string;
    durationSeconds: number;
    /** The database's size when backed up. */
    databaseBytes: number;
    /** What this backup stored in the repository (compressed, and only the changes for diff/incr). */
    repositoryBytes: number;
    /** First and last WAL segment the backup needs to be consistent. */
    walStart: string | null;
    walStop: string | null;
    /** pgBackRest flagged page checksum errors in it. */
    error: boolean;
}

/** What a restore from this repository can reach. */
export interface RestorableRange {
    /**
     * The oldest backup's stop: a backup is consistent only from the end of its own WAL, so no
     * restore reaches a point before it (its start is shown in the list).
     */
    from: string;
    /** The newest backup's stop: a restore reaches at least this far without the archive. */
    newestBackupStop: string;
    /** The newest archived WAL segment: a restore to "latest" replays up to its end. */
    toWal: string | null;
}

export interface StanzaInfo {
    stanza: string;
    /** pgBackRest's verdict: 0 ok, 1 missing stanza path, 2 no valid backups, 3 missing stanza data, ... */
    status: { code: number; message: string };
    /** A backup (the scheduler's or a manual one) holds the stanza's lock right now. */
    backupRunning: boolean;
    cipher?: string;
    /** Oldest first, as pgBackRest lists them. */
    backups: BackupSet[];
    /** The current database's archive (after a major upgrade, older ones are for older backups). */
    archive: { min: string | null; max: string | null };
    restorable: RestorableRange | null;
}

const iso = (epochSeconds: number) => new Date(epochSeconds * 1000).toISOString();

function toBackupSet(b: z.output<typeof backupEntry>): BackupSet {
    return {
        label: b.label,
        type: b.type,
        prior: b.prior,
        startedAt: iso(b.timestamp.start),
        stoppedAt: iso(b.timestamp.stop),
        durationSeconds: b.timestamp.stop - b.timestamp.start,
        databaseBytes: b.info.size,
        repositoryBytes: b.info.repository.delta,
        walStart: b.archive.start,
        walStop: b.archive.stop,
        error: b.error === true,
    };
}

/** The stanza's status message, followed by its repositories' own when they say more. */
function statusMessage(entry: z.output<typeof stanzaEntry>): string {
    const more = (entry.repo ?? []).map((r) => r.status.message).filter((m) => m !== entry.status.message);
    return [entry.status.message, ...new Set(more)].join(": ");
}

/**
 * The stanza's entry of pgBackRest's JSON info (`text` as printed). Throws naming the field that
 * does not have the expected shape, or the stanza when the document does not hold it.
 */
export function parsePgBackRestInfo(text: string, stanza: string): StanzaInfo {
    // Raw control bytes in a message (an info file a wrong passphrase decrypted) are not JSON.
    const entries = parseJsonSpec(infoDocument, text.trim().replace(/[\x00-\x1f\x7f]/g, "?"), "pgbackrest info");
    const entry = entries.find((e) => e.name === stanza);
    if (!entry) throw new Error(`pgbackrest info: no stanza ${JSON.stringify(stanza)} in the answer (stanzas: ${entries.map((e) => e.name).join(", ") || "none"})`);
    const currentDb = Math.max(0, ...entry.db.map((d) => d.id));
    const archives = entry.archive.filter((a) => a.database.id === currentDb);
    const archive = { min: archives[0]?.min ?? null, max: archives[archives.length - 1]?.max ?? null };
    const backups = entry.backup.map(toBackupSet);
    const restorable = backups.length
        ? { from: backups[0].stoppedAt, newestBackupStop: backups[backups.length - 1].stoppedAt, toWal: archive.max }
        : null;
    return {
        stanza: entry.name,
        status: { code: entry.status.code, message: statusMessage(entry) },
        backupRunning: entry.status.lock?.backup.held === true,
        cipher: entry.cipher,
        backups,
        archive,
        restorable,
    };
}

/** Backups in `after` that `before` did not have: what a run added (expiry may have removed others). */
export function addedBackups(before: StanzaInfo, after: StanzaInfo): BackupSet[] {
    const known = new Set(before.backups.map((b) => b.label));
    return after.backups.filter((b) => !known.has(b.label));
}
