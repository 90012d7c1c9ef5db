import { DrillResult, PGBACKREST_PATHS, RestoreDrillSpec, drillShortfalls, errorLine, lossWindowSeconds, repositoryPassphrase, s3RepositoryOfConf } from "@pgscale/core";
import { BackupMember, ContainerExec } from "./members";

// `pgscale backup drill`: the RestoreDrill resource's restore, on request, from a running member.
// What the resource gets from the stack (image, repository volume or bucket, passphrase, data
// directory) is read off the member here: its container (engine inspect) and its own configuration files.

/** What the drill uses of @pgscale/docker (an optional peer, loaded only by this command). */
interface DockerDrill {
    dockerEngine(host?: string): { getContainer(id: string): { inspect(): Promise<{
        Image: string;
        Mounts?: Array<{ Type?: string; Name?: string; Destination: string }>;
        NetworkSettings?: { Networks?: Record<string, unknown> };
    }> } };
    restoreDrillHandlers: { run(i: Record<string, unknown>): Promise<DrillResult & { ranAt: string }> };
}

export function engineDrill(): DockerDrill | { error: string } {
    try {
        return require("@pgscale/docker") as DockerDrill;
    } catch {
        return { error: "needs @pgscale/docker (npm install @pgscale/docker): the drill runs a container on the Docker engine" };
    }
}

export interface DrillOutcome extends DrillResult {
    container: string;
    stanza: string;
    lossWindowSeconds: number;
    ranAt: string;
    /** Each objective the drill missed, with the figures (empty: all met, or none given). */
    shortfalls: string[];
}

/** Reads a file of the member's as postgres; throws naming the file and the reason. */
async function readFile(exec: ContainerExec, container: string, path: string): Promise<string> {
    const r = await exec(container, ["cat", path]);
    if (r.exitCode !== 0) throw new Error(`${container}: cannot read ${path}: ${errorLine(r.stderr)}`);
    return r.stdout;
}

/** Restores `member`'s repository into a throwaway container, as RestoreDrill does, and checks the objectives. */
export async function drillMember(docker: DockerDrill, exec: ContainerExec, member: BackupMember, stanza: string, spec: RestoreDrillSpec): Promise<DrillOutcome> {
    const { container } = member;
    const inspected = await docker.dockerEngine().getContainer(container).inspect();
    const conf = await readFile(exec, container, PGBACKREST_PATHS.config);
    const passphrase = repositoryPassphrase(conf);
    // The repository: a bucket (its settings, keys and CA from the member's files; the drill joins
    // the member's network to reach it), else the member's repository volume.
    const s3 = s3RepositoryOfConf(conf, `${container}:${PGBACKREST_PATHS.config}`);
    let repository: Record<string, unknown>;
    if (s3) {
        const caPem = s3.caFile ? await readFile(exec, container, s3.caFile) : undefined;
        const network = Object.keys(inspected.NetworkSettings?.Networks ?? {})[0];
        if (!network) throw new Error(`${container}: on no network, so a drill cannot reach its S3 endpoint`);
        repository = { s3: { ...s3.location.spec, ...(caPem !== undefined ? { caPem } : {}) }, network };
    } else {
        const volume = inspected.Mounts?.find((m) => m.Destination === PGBACKREST_PATHS.repository && m.Type === "volume")?.Name;
        if (!volume) throw new Error(`${container}: no engine volume at ${PGBACKREST_PATHS.repository} (not a member of a PatroniCluster with backup?)`);
        repository = { volume };
    }
    // Patroni's own configuration names the data directory (it differs by PostgreSQL major).
    const dataDir = (await exec(container, ["python3", "-c", "import yaml; print(yaml.safe_load(open('/etc/patroni/patroni.yml'))['postgresql']['data_dir'])"]));
    if (dataDir.exitCode !== 0) throw new Error(`${container}: cannot read postgresql.data_dir from /etc/patroni/patroni.yml: ${errorLine(dataDir.stderr)}`);
    const result = await docker.restoreDrillHandlers.run({
        subject: "pgscale backup drill", image: inspected.Image, ...repository, stanza, passphrase, dataDir: dataDir.stdout.trim(),
        target: spec.target, database: spec.database, check: spec.check,
        // Checked below, so a missed objective is a finding with the figures, not a failed run.
        objectives: {}, trigger: "",
    });
    const now = new Date();
    return {
        container, stanza, backupSet: result.backupSet, restoreSeconds: result.restoreSeconds, restorablePoint: result.restorablePoint,
        checkResult: result.checkResult, lossWindowSeconds: lossWindowSeconds(result, now), ranAt: result.ranAt,
        shortfalls: drillShortfalls(result, spec.objectives, now),
    };
}
