import { z } from "zod";
import { parseJsonSpec, parseSpec } from "../validation";
import { S3Location, SchedulerConfig } from "./render";
import { s3RepositorySpec } from "./spec";

// What the operator commands read from a member of a cluster with `backup`: its scheduler
// configuration (the stanza, the intervals, its Patroni REST URL) and its repository's configuration.

const seconds = z.number().positive();
const schedulerConfigSpec = z.object({
    stanza: z.string().min(1),
    intervals: z.object({ full: seconds.optional(), diff: seconds.optional(), incr: seconds.optional() }),
    patroniUrl: z.string().min(1),
    patroniCaFile: z.string().min(1).optional(),
    checkSeconds: seconds,
    statusFile: z.string().min(1),
    // Absent from the backup.json of members whose image predates the scheduler's metrics.
    metricsPort: z.number().int().optional(),
    // Absent from the backup.json of members whose image predates backups from a standby and scheduled drills.
    standbyOptions: z.array(z.string()).optional(),
    serverCertFile: z.string().optional(),
    drill: z.object({
        everySeconds: seconds, script: z.string().min(1), checkBase64: z.string(),
        objectives: z.object({ restoreSeconds: seconds.optional(), rpoSeconds: seconds.optional() }),
    }).optional(),
});

/** backup.json as schedulerConfig wrote it; throws naming `source` and each bad field. */
export function parseSchedulerConfig(text: string, source: string): SchedulerConfig {
    return parseJsonSpec(schedulerConfigSpec, text, source);
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

/** The `[global]` repo1-* options of a pgbackrest.conf. */
function repoOptions(pgbackrestConf: string): Map<string, string> {
    const out = new Map<string, string>();
    let global = false;
    for (const line of pgbackrestConf.split("\n")) {
        const section = /^\s*\[(.*)\]\s*$/.exec(line);
        if (section) global = section[1] === "global";
        const m = /^\s*(repo1-[a-z0-9-]+)\s*=\s*(.*?)\s*$/.exec(line);
        if (global && m) out.set(m[1], m[2]);
    }
    return out;
}

/**
 * The S3 repository of a member's pgbackrest.conf (renderPgBackRestConf with `repository.s3`),
 * keys included, and the CA file it names; undefined for a posix repository. What a restore
 * elsewhere (a drill) needs to reach the bucket; throws naming `source` when an option is missing.
 */
export function s3RepositoryOfConf(pgbackrestConf: string, source: string): { location: S3Location; caFile?: string } | undefined {
    const o = repoOptions(pgbackrestConf);
    if (o.get("repo1-type") !== "s3") return undefined;
    const need = (k: string) => {
        const v = o.get(k);
        if (v === undefined) throw new Error(`${source}: an S3 repository without ${k}`);
        return v;
    };
    const port = o.get("repo1-storage-port");
    const spec = parseSpec(s3RepositorySpec, {
        endpoint: need("repo1-s3-endpoint") + (port ? `:${port}` : ""),
        bucket: need("repo1-s3-bucket"),
        region: need("repo1-s3-region"),
        uriStyle: o.get("repo1-s3-uri-style") ?? "host",
        accessKeyId: need("repo1-s3-key"),
        secretAccessKey: need("repo1-s3-key-secret"),
        verifyTls: o.get("repo1-storage-verify-tls") !== "n",
        path: o.get("repo1-path") ?? "/",
    }, source);
    return { location: { spec, keys: { accessKeyId: spec.accessKeyId, secretAccessKey: spec.secretAccessKey } }, caFile: o.get("repo1-storage-ca-file") };
}
