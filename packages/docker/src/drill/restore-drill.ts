import * as pulumi from "@pulumi/pulumi";
import {
    DrillResult, PGBACKREST_PATHS, PgscaleValidationError, RestoreDrillInput, RestoreDrillSpec, RestoreTarget, S3RepositorySpec, drillShortfalls, issuesFromZod,
    lossWindowSeconds, parseDrillOutput, renderDrillScript, renderRestoreConf, restoreDrillSpec,
} from "@pgscale/core";
import * as path from "path";
import { packageRequire } from "@pgscale/postgres";
import { demuxLog, dockerEngine } from "../engine/docker-engine";
import { NO_CAPABILITIES } from "../hardening";
import { engineTarget } from "../engine/target";
import { DOCKER_PACKAGE } from "../own-package";
import { PatroniCluster } from "../patroni";
import { oneFileTar } from "./one-file-tar";

// RestoreDrill: restores a cluster's backup repository into a throwaway container of the
// cluster's image, starts PostgreSQL on it, runs a check query, and records what a restore costs
// (restoreSeconds) and would lose (lossWindowSeconds), failing the update when an objective is missed.

interface DrillInputs {
    subject: string;
    dockerHost?: string;
    image: string;
    /** The repository: an engine volume (mounted read-only), or `s3` (plain values: the keys and CA resolved; a secret input). */
    volume?: string;
    s3?: S3RepositorySpec;
    /** With `s3`: the network the throwaway container joins to reach the endpoint (the cluster's). */
    network?: string;
    stanza: string;
    passphrase?: string;
    dataDir: string;
    target: RestoreTarget;
    database: string;
    check: string;
    objectives: RestoreDrillSpec["objectives"];
    /** Changes when a new drill is wanted (`runOn`). */
    trigger: string;
}

interface DrillOutputs extends DrillResult {
    lossWindowSeconds: number;
    ranAt: string;
}

/** postgres in pgscale's images (the user the cluster runs as). */
const POSTGRES_UID = 100;
const POSTGRES_GID = 102;

/** What the provider below runs, loaded from the installed package when a method runs. */
export const restoreDrillHandlers = {
    async run(i: DrillInputs): Promise<DrillOutputs> {
        const engine = dockerEngine(i.dockerHost);
        const script = renderDrillScript({ stanza: i.stanza, dataDir: i.dataDir, target: i.target, database: i.database });
        if (!i.s3 === !i.volume) throw new Error(`${i.subject}: needs either a repository volume or an S3 repository`);
        // A volume: mounted read-only and no network at all. A bucket: the cluster's network, the
        // only way to the endpoint; still no published port and no capability.
        const isolation = i.s3
            ? { NetworkMode: i.network ?? "none" }
            : { NetworkMode: "none", Binds: [`${i.volume}:${PGBACKREST_PATHS.sourceRepository}:ro`] };
        const container = await engine.createContainer({
            Image: i.image,
            User: "postgres",
            Entrypoint: ["/bin/sh", "-c", script, "restore-drill", Buffer.from(i.check).toString("base64")],
            Cmd: [],
            Labels: { "pgscale.role": "restore-drill" },
            ...(i.s3 ? {} : { NetworkDisabled: true }),
            HostConfig: { ...isolation, CapDrop: NO_CAPABILITIES.drops, SecurityOpt: ["no-new-privileges"] },
        });
        try {
            // The source repository's configuration, passphrase and S3 keys included: a file, never argv or env.
            const s3 = i.s3 ? { spec: i.s3, keys: { accessKeyId: i.s3.accessKeyId as string, secretAccessKey: i.s3.secretAccessKey as string } } : undefined;
            const conf = renderRestoreConf({ stanza: i.stanza, dataDir: i.dataDir, cipherPass: i.passphrase, s3 });
            const owner = { uid: POSTGRES_UID, gid: POSTGRES_GID };
            await container.putArchive(oneFileTar("pgbackrest.conf", conf, { mode: 0o600, ...owner }), { path: "/etc/pgscale" });
            if (i.s3?.caPem !== undefined) {
                const ca = PGBACKREST_PATHS.sourceS3Ca;
                await container.putArchive(oneFileTar(path.posix.basename(ca), i.s3.caPem as string, { mode: 0o644, ...owner }), { path: path.posix.dirname(ca) });
            }
            await container.start();
            const { StatusCode } = await container.wait();
            const { stdout, stderr } = demuxLog(await container.logs({ stdout: true, stderr: true, follow: false }));
            if (StatusCode !== 0) throw new Error(`${i.subject}: the restore failed (exit ${StatusCode}): ${stderr.slice(-1500) || stdout.slice(-1500)}`);
            const result = parseDrillOutput(stdout);
            const now = new Date();
            const shortfalls = drillShortfalls(result, i.objectives, now);
            if (shortfalls.length) throw new Error(`${i.subject}: restored ${result.backupSet} in ${result.restoreSeconds} s, but ${shortfalls.join("; ")}`);
            return { ...result, lossWindowSeconds: lossWindowSeconds(result, now), ranAt: now.toISOString() };
        } finally {
            await container.remove({ force: true, v: true }).catch(() => undefined);
        }
    },
};

const load = packageRequire(DOCKER_PACKAGE);
const handlers = (): typeof restoreDrillHandlers => load().restoreDrillHandlers;
const OUTPUTS = ["backupSet", "restoreSeconds", "restorablePoint", "checkResult", "lossWindowSeconds", "ranAt"];

// Serialized into the state: captures only where the package is (own-package.ts).
const provider: pulumi.dynamic.ResourceProvider = {
    async diff(_id, olds: DrillInputs & Partial<DrillOutputs>, news: DrillInputs) {
        const keys: Array<keyof DrillInputs> = ["image", "volume", "s3", "network", "stanza", "passphrase", "dataDir", "target", "database", "check", "objectives", "trigger", "dockerHost"];
        const changed = keys.filter((k) => JSON.stringify(olds[k]) !== JSON.stringify(news[k]));
        return { changes: changed.length > 0 };
    },
    async create(inputs: DrillInputs) {
        const outs = await handlers().run(inputs);
        return { id: `drill-${Date.now().toString(36)}`, outs: { ...inputs, ...outs } };
    },
    async update(_id, _olds, news: DrillInputs) {
        return { outs: { ...news, ...(await handlers().run(news)) } };
    },
};

export interface RestoreDrillArgs extends RestoreDrillInput {
    /** The cluster whose `backup` repository is drilled. */
    cluster: PatroniCluster;
    /**
     * When a drill runs: "create" (once, and again whenever an input changes) or "every-up" (each
     * `pulumi up` restores again: the drill shows as an update in every preview). Default "every-up".
     */
    runOn?: "create" | "every-up";
}

/**
 * A restore drill of a PatroniCluster's backup repository (Docker): the latest backup (or
 * `target`) restored into a throwaway container of the cluster's image, with the repository
 * volume mounted read-only and no network (an S3 repository: on the cluster's network, to reach
 * the endpoint), started, checked with `check`, and removed. Outputs the
 * measured `restoreSeconds`, the `restorablePoint` (newest commit the restore holds) and the
 * `lossWindowSeconds` (now minus that point), and fails the update naming each missed objective.
 */
export class RestoreDrill extends pulumi.dynamic.Resource {
    public readonly backupSet!: pulumi.Output<string>;
    public readonly restoreSeconds!: pulumi.Output<number>;
    public readonly restorablePoint!: pulumi.Output<string>;
    public readonly lossWindowSeconds!: pulumi.Output<number>;
    public readonly checkResult!: pulumi.Output<string>;
    public readonly ranAt!: pulumi.Output<string>;

    constructor(name: string, args: RestoreDrillArgs, opts?: pulumi.CustomResourceOptions) {
        const subject = `RestoreDrill ${name}`;
        const { cluster, runOn, ...rest } = args;
        const parsed = restoreDrillSpec.safeParse(rest);
        const issues = parsed.success ? [] : issuesFromZod(parsed.error);
        if (!(cluster instanceof PatroniCluster)) issues.push({ field: "cluster", message: "must be a PatroniCluster from @pgscale/docker" });
        else if (!cluster.resolved.spec.backup) issues.push({ field: "cluster", message: `PatroniCluster has no \`backup\`: there is no repository to drill` });
        if (runOn !== undefined && runOn !== "create" && runOn !== "every-up") issues.push({ field: "runOn", message: 'must be "create" or "every-up"' });
        if (issues.length || !parsed.success) throw new PgscaleValidationError(subject, issues);
        const spec = parsed.data;
        const engine = engineTarget(cluster);
        // An S3 repository: its settings with the keys and CA resolved, a secret as a whole.
        const s3 = cluster.resolved.spec.backup!.repository.s3;
        const s3Input = s3 ? pulumi.secret(pulumi.all([s3.accessKeyId as pulumi.Input<string>, s3.secretAccessKey as pulumi.Input<string>, s3.caPem as pulumi.Input<string> | undefined])
            .apply(([accessKeyId, secretAccessKey, caPem]) => ({ ...s3, accessKeyId, secretAccessKey, caPem }))) : undefined;
        super(provider, name, {
            subject,
            dockerHost: engine.host,
            image: cluster.members[0].container.image,
            volume: cluster.backupVolume,
            s3: s3Input,
            network: s3 ? cluster.network.name : undefined,
            stanza: cluster.scope,
            passphrase: cluster.backupPassphrase,
            dataDir: cluster.resolved.layout.dataDir,
            target: spec.target,
            database: spec.database,
            check: spec.check,
            objectives: spec.objectives,
            trigger: (runOn ?? "every-up") === "every-up" ? new Date().toISOString() : "create",
            ...Object.fromEntries(OUTPUTS.map((k) => [k, undefined])),
        }, {
            ...opts,
            // The first backup must exist: the cluster's scheduler takes it once the cluster is ready.
            dependsOn: [...([] as pulumi.Resource[]).concat((opts?.dependsOn as pulumi.Resource[] | undefined) ?? []), cluster.ready],
            additionalSecretOutputs: ["passphrase", "s3"],
        }, "pgscale", "RestoreDrill");
    }
}
