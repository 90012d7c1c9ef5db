import { BOOTSTRAP_LOCALE } from "./patroni-config";
import { PostgresLayout, PostgresVersion } from "./postgres-version";

// A PatroniCluster's major upgrade in place (postgresVersion 15 -> 17 on Docker), with
// `pg_upgrade --link` on the leader's data volume while the cluster is stopped:
//
// 1. checks on the running cluster, before anything changes: a leader, every replica streaming,
//    every installed extension available in the new major;
// 2. maintenance mode (Patroni stops acting), then PostgreSQL stopped cleanly on the leader first
//    (its walsenders send every WAL record, the shutdown checkpoint included, to the replicas) and
//    on each replica; then the member containers;
// 3. `pg_upgrade --check`, then `pg_upgrade --link`, in a one-off container (pgscale/pg-upgrade,
//    both majors' binaries) on the leader's volume: the new major's directory (pg17) beside the
//    old (pg15), hard-linked to its files, so the time does not grow with the data;
// 4. the scope's DCS keys reset to the upgraded system (patroniDcsResetScript);
// 5. the members replaced with the new major's image: the former leader starts on the upgraded
//    directory and takes the lead, the others clone it (their own pg15 directories stay, intact).
//
// Why in place and not blue/green through logical replication: the endpoints (the members' names,
// volumes, the router's and pools' ports) stay as they are because nothing but the containers is
// replaced; sequences, roles, large objects, unlogged tables and tables without a primary key all
// arrive (logical replication carries none of them); and the pause does not grow with the data
// (link mode). The cost is a write outage for the whole upgrade, measured in docs/constructs.md.
// The rollback path is each former replica's pg15 directory: a copy of the leader's data at
// its clean shutdown, which pg_upgrade never touched.

/** The (from, to) pairs pgscale upgrades in place. */
const UPGRADE_PATHS: ReadonlyArray<readonly [PostgresVersion, PostgresVersion]> = [[15, 17]];

/** Where a change of postgresVersion goes: nothing to do, an upgrade, or a refusal (the message). */
export type MajorChange = { kind: "same" } | { kind: "upgrade"; from: PostgresVersion; to: PostgresVersion } | { kind: "refused"; reason: string };

/**
 * Judges a change of major on an existing cluster. `upgradable`: the platform can upgrade in place
 * (Docker); `versionGiven`: the program names the major (an upgrade is never taken from a default).
 */
export function majorChange(subject: string, from: number, to: number, o: { upgradable: boolean; versionGiven: boolean }): MajorChange {
    if (from === to) return { kind: "same" };
    const field = `${subject}: postgresVersion`;
    if (to < from)
        return { kind: "refused", reason: `${field}: changing ${from} to ${to} is a downgrade, which PostgreSQL cannot do in place; nothing was touched. Keep postgresVersion: ${from}, or create a new cluster (another construct name) at ${to} and move the data with pg_dump/pg_restore.` };
    if (!o.versionGiven)
        return { kind: "refused", reason: `${field}: this cluster runs PostgreSQL ${from} and its program sets no postgresVersion, whose default is now ${to}; nothing was touched. Add postgresVersion: ${from} to keep the cluster on ${from}${o.upgradable ? `, or postgresVersion: ${to} to upgrade it in place (docs/constructs.md, "Major upgrades")` : ""}.` };
    if (!o.upgradable)
        return { kind: "refused", reason: `${field}: changing ${from} to ${to} on an existing cluster is a major upgrade, which pgscale does on Docker only so far; nothing was touched. Keep postgresVersion: ${from}, or create a new cluster (another construct name) at ${to} and move the data with pg_dump/pg_restore or logical replication.` };
    if (!UPGRADE_PATHS.some(([f, t]) => f === from && t === to))
        return { kind: "refused", reason: `${field}: no in-place upgrade from ${from} to ${to} (supported: ${UPGRADE_PATHS.map(([f, t]) => `${f} -> ${t}`).join(", ")}); nothing was touched.` };
    return { kind: "upgrade", from: from as PostgresVersion, to: to as PostgresVersion };
}

/** What `pulumi preview` shows of an upgrade: the steps `up` takes, in order. */
export function majorUpgradeSteps(from: PostgresVersion, to: PostgresVersion, members: string[]): string[] {
    return [
        `check: a leader, every replica streaming, every extension available in PostgreSQL ${to}`,
        "pause Patroni (maintenance mode); stop PostgreSQL on the leader, then on each replica; stop the members",
        `pg_upgrade --check, then pg_upgrade --link on the leader's volume (pg${from} -> pg${to}, in a one-off pgscale/pg-upgrade container)`,
        "reset the scope's DCS keys to the upgraded system",
        `replace ${members.join(", ")} with PostgreSQL ${to}: the former leader leads on the upgraded data, the others clone it`,
        "ANALYZE every database (pg_upgrade carries no planner statistics)",
    ];
}

/** Exit codes of the upgrade script: nothing of the old cluster changed / pg_upgrade failed part way. */
export const UPGRADE_EXIT = { refusedBeforeChange: 10, failedDuringUpgrade: 11 } as const;

/**
 * The one-off container's script (run as postgres, the leader's volume at the data mount, no
 * network). Prints `pgscale-upgrade: system-identifier=<id>` and, when pg_upgrade left one,
 * the extension updates it recommends between `pgscale-upgrade: extension-updates-begin/end`.
 * Running it again after a success prints the same without upgrading twice.
 */
export function renderMajorUpgradeScript(from: PostgresLayout, to: PostgresLayout): string {
    const { refusedBeforeChange: before, failedDuringUpgrade: during } = UPGRADE_EXIT;
    // The old server runs only for pg_upgrade's catalog dump: no libraries to preload (their old
    // builds are not in this image), no TLS (its key file is made at a member's start), no archiving.
    const serverOptions = "-c shared_preload_libraries= -c ssl=off -c archive_mode=off -c synchronous_standby_names=";
    return [
        "set -u",
        `old=${from.dataDir}; new=${to.dataDir}`,
        'report() { sid=$(pg_controldata "$new" | sed -n "s/^Database system identifier: *//p"); echo "pgscale-upgrade: system-identifier=$sid";',
        '  if [ -f /tmp/pgscale-upgrade/update_extensions.sql ]; then echo "pgscale-upgrade: extension-updates-begin"; cat /tmp/pgscale-upgrade/update_extensions.sql; echo "pgscale-upgrade: extension-updates-end"; fi; }',
        // Done before (a retried `up`): link mode renamed the old control file, and the new directory is complete.
        `if [ -f "$old/global/pg_control.old" ] && [ -f "$new/global/pg_control" ]; then echo "pgscale-upgrade: already upgraded"; report; exit 0; fi`,
        `if [ "$(cat "$old/PG_VERSION" 2>/dev/null)" != "${from.version}" ]; then echo "pgscale-upgrade: $old holds no PostgreSQL ${from.version} data directory" >&2; exit ${before}; fi`,
        `checksums=$(${to.binDir}/pg_controldata "$old" | sed -n "s/^Data page checksum version: *//p")`,
        `rm -rf "$new" /tmp/pgscale-upgrade && mkdir -p /tmp/pgscale-upgrade && cd /tmp/pgscale-upgrade || exit ${before}`,
        `${to.binDir}/initdb -D "$new" -U postgres --encoding=UTF8 --locale=${BOOTSTRAP_LOCALE} $([ "$checksums" != 0 ] && echo --data-checksums) >/tmp/pgscale-upgrade/initdb.log 2>&1 || { cat /tmp/pgscale-upgrade/initdb.log >&2; exit ${before}; }`,
        `common="-b ${from.binDir} -B ${to.binDir} -d $old -D $new -U postgres --socketdir=/tmp/pgscale-upgrade"`,
        `if ! ${to.binDir}/pg_upgrade $common --check -o "${serverOptions}" -O "${serverOptions}" >&2; then`,
        `  cat "$new"/pg_upgrade_output.d/*/*.txt "$new"/pg_upgrade_output.d/*/log/*.log 2>/dev/null | tail -40 >&2; rm -rf "$new"; exit ${before}; fi`,
        `if ! ${to.binDir}/pg_upgrade $common --link -o "${serverOptions}" -O "${serverOptions}" >&2; then`,
        `  cat "$new"/pg_upgrade_output.d/*/log/*.log 2>/dev/null | tail -40 >&2`,
        // Before the link step, the old control file is still in place and the old cluster is whole.
        `  if [ -f "$old/global/pg_control" ]; then rm -rf "$new"; exit ${before}; fi; exit ${during}; fi`,
        "report",
    ].join("\n");
}

export interface MajorUpgradeResult {
    systemIdentifier: string;
    /** SQL pg_upgrade recommends for extensions whose new major ships a newer version (run it when ready). */
    extensionUpdates?: string;
}

/** Reads the upgrade script's report off its standard output. */
export function parseMajorUpgradeOutput(stdout: string): MajorUpgradeResult {
    const sid = /^pgscale-upgrade: system-identifier=(\d+)$/m.exec(stdout)?.[1];
    if (!sid) throw new Error(`the upgrade container reported no system identifier: ${stdout.slice(-500)}`);
    const ext = /^pgscale-upgrade: extension-updates-begin\n([\s\S]*?)^pgscale-upgrade: extension-updates-end$/m.exec(stdout)?.[1];
    return { systemIdentifier: sid, ...(ext?.trim() ? { extensionUpdates: ext.trim() } : {}) };
}

/**
 * Installed extensions the new major does not have, as `database.extension` names, given each
 * database's installed extensions and the new image's control files (extension names).
 */
export function missingExtensions(installed: Record<string, string[]>, available: string[]): string[] {
    const have = new Set(available);
    return Object.entries(installed).flatMap(([db, exts]) => exts.filter((e) => !have.has(e)).map((e) => `${db}.${e}`)).sort();
}
