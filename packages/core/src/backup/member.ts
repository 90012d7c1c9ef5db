import { z } from "zod";
import { parseJsonSpec } from "../validation";
import { SchedulerConfig } from "./render";

// What the operator commands read from a member of a cluster with `backup`: its scheduler
// configuration (the stanza, the intervals, its Patroni REST URL) and whether it is the primary.

const seconds = z.number().positive();
const schedulerConfigSpec = z.object({
    stanza: z.string().min(1),
    intervals: z.object({ full: seconds.optional(), diff: seconds.optional(), incr: seconds.optional() }),
    patroniUrl: z.string().min(1),
    checkSeconds: seconds,
    statusFile: z.string().min(1),
    // Absent from the backup.json of members whose image predates the scheduler's metrics.
    metricsPort: z.number().int().optional(),
});

/** backup.json as schedulerConfig wrote it; throws naming `source` and each bad field. */
export function parseSchedulerConfig(text: string, source: string): SchedulerConfig {
    return parseJsonSpec(schedulerConfigSpec, text, source);
}

/**
 * A member's own `GET /patroni` answer says it is the primary PostgreSQL runs on. The same test as
 * the scheduler's: a standby cluster's leader (standby_leader) replays from elsewhere and is not a
 * primary pgBackRest can back up.
 */
export function isRunningPrimary(patroniAnswer: string): boolean {
    try {
        const doc = JSON.parse(patroniAnswer) as { role?: unknown; state?: unknown };
        return (doc.role === "primary" || doc.role === "master") && doc.state === "running";
    } catch {
        return false;
    }
}

/** "replica, streaming" from a `GET /patroni` answer, for a refusal that says what each member is. */
export function describeMember(patroniAnswer: string): string {
    try {
        const doc = JSON.parse(patroniAnswer) as { role?: unknown; state?: unknown };
        return `${String(doc.role ?? "no role")}, ${String(doc.state ?? "no state")}`;
    } catch {
        return `no Patroni answer (${patroniAnswer.trim().slice(0, 100) || "empty"})`;
    }
}

/**
 * The repository passphrase from a member's pgbackrest.conf (renderPgBackRestConf's `repo1-cipher-pass`),
 * or undefined for an unencrypted repository. What a restore elsewhere (a drill) needs to read it.
 */
export function repositoryPassphrase(pgbackrestConf: string): string | undefined {
    for (const line of pgbackrestConf.split("\n")) {
        const m = /^\s*repo1-cipher-pass\s*=\s*(.*?)\s*$/.exec(line);
        if (m) return m[1];
    }
    return undefined;
}
