import { DrillResult, PGBACKREST_PATHS, RestoreDrillSpec, S3Location, drillShortfalls, errorLine, lossWindowSeconds, repositoryPassphrase, s3RepositoryOfConf } from "@pgscale/core";
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

const PATRONI_DATA_DIR = "import os, yaml; print(yaml.safe_load(open(os.environ.get('PGSCALE_PATRONI_CONFIG', '/etc/patroni/patroni.yml')))['postgresql']['data_dir'])";

/** What a drill needs of a member besides its platform: the repository's passphrase, its bucket (with keys and CA) when it is one, the data directory. */
export interface DrillSource {
    passphrase?: string;
    /** The bucket; its spec carries the endpoint's CA (`caPem`) when it has one. */
    s3?: S3Location;
    dataDir: string;
}

/** Reads the drill's source off the member's own files (pgBackRest's configuration, Patroni's). */
export async function readDrillSource(exec: ContainerExec, container: string): Promise<DrillSource> {
    const conf = await readFile(exec, container, PGBACKREST_PATHS.config);
    const s3 = s3RepositoryOfConf(conf, `${container}:${PGBACKREST_PATHS.config}`);
    const caPem = s3?.caFile ? await readFile(exec, container, s3.caFile) : undefined;
    // Patroni's own configuration names the data directory (it differs by PostgreSQL major):
    // /etc/patroni/patroni.yml on Docker, the member's own file (PGSCALE_PATRONI_CONFIG) on Kubernetes.
    const dataDir = (await exec(container, ["python3", "-c", PATRONI_DATA_DIR]));
    if (dataDir.exitCode !== 0) throw new Error(`${container}: cannot read postgresql.data_dir from Patroni's configuration: ${errorLine(dataDir.stderr)}`);
    return {
        passphrase: repositoryPassphrase(conf),
        ...(s3 ? { s3: { ...s3.location, spec: { ...s3.location.spec, ...(caPem !== undefined ? { caPem } : {}) } } } : {}),
        dataDir: dataDir.stdout.trim(),
    };
}

/** A drill's result as the command reports it, with the objectives checked at `now`. */
export function drillOutcome(container: string, stanza: string, result: DrillResult & { ranAt: string }, spec: RestoreDrillSpec, now = new Date()): DrillOutcome {
    return {
        container, stanza, backupSet: result.backupSet, restoreSeconds: result.restoreSeconds, restorablePoint: result.restorablePoint,
        checkResult: result.checkResult, lossWindowSeconds: lossWindowSeconds(result, now), ranAt: result.ranAt,
        shortfalls: drillShortfalls(result, spec.objectives, now),
    };
}

/** Restores `member`'s repository into a throwaway container, as RestoreDrill does, and checks the objectives. */
export async function drillMember(docker: DockerDrill, exec: ContainerExec, member: BackupMember, stanza: string, spec: RestoreDrillSpec): Promise<DrillOutcome> {
    const { container } = member;
    const inspected = await docker.dockerEngine().getContainer(container).inspect();
    const source = await readDrillSource(exec, container);
    // The repository: a bucket (the drill joins the member's network to reach it), else the member's repository volume.
    let repository: Record<string, unknown>;
    if (source.s3) {
        const network = Object.keys(inspected.NetworkSettings?.Networks ?? {})[0];
        if (!network) throw new Error(`${container}: on no network, so a drill cannot reach its S3 endpoint`);
        repository = { s3: source.s3.spec, network };
    } else {
        const volume = inspected.Mounts?.find((m) => m.Destination === PGBACKREST_PATHS.repository && m.Type === "volume")?.Name;
        if (!volume) throw new Error(`${container}: no engine volume at ${PGBACKREST_PATHS.repository} (not a member of a PatroniCluster with backup?)`);
        repository = { volume };
    }
    const result = await docker.restoreDrillHandlers.run({
        subject: "pgscale backup drill", image: inspected.Image, ...repository, stanza, passphrase: source.passphrase, dataDir: source.dataDir,
        target: spec.target, database: spec.database, check: spec.check,
        // Checked below, so a missed objective is a finding with the figures, not a failed run.
        objectives: {}, trigger: "",
    });
    return drillOutcome(container, stanza, result, spec);
}
