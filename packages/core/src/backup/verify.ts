// `pgscale backup verify`: pgBackRest's `verify` reads every backup file and WAL segment in the
// repository and checks its checksum and size, but exits 0 whatever it finds (pgBackRest 2.55: a
// backup with a corrupt file gives "status: error" and exit 0). So its report is parsed here and
// judged: anything but "status: ok" is critical.

/** Counters pgBackRest gives for each archive and each backup (`--verbose`: all of them, zeros too). */
export interface VerifyCounts {
    missing: number;
    checksumInvalid: number;
    sizeInvalid: number;
    other: number;
}

export interface VerifyArchive extends VerifyCounts {
    archiveId: string;
    walChecked: number;
    walValid: number;
}

export interface VerifyBackup extends VerifyCounts {
    label: string;
    /** pgBackRest's word: valid, invalid, in-progress... */
    status: string;
    filesChecked: number;
    filesValid: number;
}

export interface VerifyReport {
    stanza: string;
    /** "ok", or "error" when any file is missing or invalid. */
    status: string;
    archives: VerifyArchive[];
    backups: VerifyBackup[];
}

const ZERO: VerifyCounts = { missing: 0, checksumInvalid: 0, sizeInvalid: 0, other: 0 };
const COUNT_KEYS: Record<string, keyof VerifyCounts> = { missing: "missing", "checksum invalid": "checksumInvalid", "size invalid": "sizeInvalid", other: "other" };

/** `key: value, key: value` as a map. */
function fields(line: string): Map<string, string> {
    return new Map(line.trim().split(", ").map((p) => {
        const i = p.indexOf(": ");
        return i < 0 ? [p, ""] : [p.slice(0, i), p.slice(i + 2)];
    }));
}

const int = (v: string | undefined) => (v !== undefined && /^\d+$/.test(v) ? Number(v) : 0);

/**
 * The text of `pgbackrest --stanza=S --output=text --verbose verify`; throws when it is not a
 * verify report of `stanza` (an error of pgBackRest's own is on its stderr and its exit code).
 */
export function parseVerifyText(text: string, stanza: string): VerifyReport {
    const report: VerifyReport = { stanza: "", status: "", archives: [], backups: [] };
    let last: VerifyCounts | undefined;
    for (const raw of text.split("\n")) {
        if (!raw.trim()) continue;
        const f = fields(raw);
        if (f.has("stanza") && !raw.startsWith(" ")) report.stanza = f.get("stanza")!;
        else if (f.has("status") && !raw.startsWith(" ")) report.status = f.get("status")!;
        else if (f.has("archiveId")) {
            const a: VerifyArchive = { archiveId: f.get("archiveId")!, walChecked: int(f.get("total WAL checked")), walValid: int(f.get("total valid WAL")), ...ZERO };
            report.archives.push(a);
            last = a;
        } else if (f.has("backup")) {
            const b: VerifyBackup = { label: f.get("backup")!, status: f.get("status") ?? "", filesChecked: int(f.get("total files checked")), filesValid: int(f.get("total valid files")), ...ZERO };
            report.backups.push(b);
            last = b;
        } else if (last && [...f.keys()].some((k) => k in COUNT_KEYS)) {
            for (const [k, v] of f) if (k in COUNT_KEYS) last[COUNT_KEYS[k]] = int(v);
        }
    }
    if (report.stanza !== stanza || !report.status)
        throw new Error(`not a pgbackrest verify report of stanza ${stanza}: ${JSON.stringify(text.trim().split("\n")[0] ?? "")}`);
    return report;
}

/** What is wrong in a verify report, a line per archive or backup; empty when it is ok. */
export function verifyProblems(r: VerifyReport): string[] {
    const counts = (c: VerifyCounts) => (Object.entries(COUNT_KEYS) as Array<[string, keyof VerifyCounts]>)
        .filter(([, k]) => c[k] > 0).map(([label, k]) => `${c[k]} ${label}`).join(", ");
    const problems = [
        ...r.archives.filter((a) => counts(a)).map((a) => `WAL archive ${a.archiveId}: ${counts(a)} of ${a.walChecked} segments`),
        ...r.backups.filter((b) => b.status !== "valid" || counts(b)).map((b) => `backup ${b.label}: ${b.status}${counts(b) ? `, ${counts(b)} of ${b.filesChecked} files` : ""}`),
    ];
    if (r.status !== "ok" && !problems.length) problems.push(`pgBackRest reports status ${r.status}`);
    return problems;
}
