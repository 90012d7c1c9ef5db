import * as pulumi from "@pulumi/pulumi";
import {
    DRILL_OUTPUT_KEYS, DrillOutputs, PgscaleValidationError, RestoreDrillSpec, RestoreTarget, judgeDrill, parseDrillOutput, renderDrillScript, restoreDrillArgs,
} from "@pgscale/core";
import { RestoreDrillCommonArgs, RestoreDrillResource, packageRequire, resolvedS3 } from "@pgscale/postgres";
import { engineTarget } from "../engine/target";
import { DOCKER_PACKAGE, DOCKER_PROVIDER } from "../own-package";
import { PatroniCluster } from "../patroni";
import { SourceRepository, runWithSourceRepository } from "./throwaway";

// RestoreDrill: restores a cluster's backup repository into a throwaway container of the
// cluster's image, starts PostgreSQL on it, runs a check query, and records what a restore costs
// (restoreSeconds) and would lose (lossWindowSeconds), failing the update when an objective is missed.

interface DrillInputs extends SourceRepository {
    subject: string;
    dockerHost?: string;
    image: string;
    target: RestoreTarget;
    database: string;
    check: string;
    objectives: RestoreDrillSpec["objectives"];
    /** Changes when a new drill is wanted (`runOn`). */
    trigger: string;
}

/** What the provider below runs, loaded from the installed package when a method runs. */
export const restoreDrillHandlers = {
    async run(i: DrillInputs): Promise<DrillOutputs> {
        const script = renderDrillScript({ stanza: i.stanza, dataDir: i.dataDir, target: i.target, database: i.database });
        // A volume: mounted read-only and no network at all. A bucket: the cluster's network, the
        // only way to the endpoint; still no published port and no capability.
        const { status, stdout, stderr } = await runWithSourceRepository(i.dockerHost, i.subject, {
            ...i, role: "restore-drill", entrypoint: ["/bin/sh", "-c", script, "restore-drill", Buffer.from(i.check).toString("base64")],
        });
        if (status !== 0) throw new Error(`${i.subject}: the restore failed (exit ${status}): ${stderr.slice(-1500) || stdout.slice(-1500)}`);
        return judgeDrill(i.subject, parseDrillOutput(stdout), i.objectives);
    },
};

const load = packageRequire(DOCKER_PACKAGE);
const handlers = (): typeof restoreDrillHandlers => load().restoreDrillHandlers;

// Called through the package's one provider (providers.ts). A state written before that holds this
// object serialized, which loads its handlers through the package (own-package.ts).
export const restoreDrillProvider: pulumi.dynamic.ResourceProvider = {
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

export interface RestoreDrillArgs extends RestoreDrillCommonArgs {
    /** The cluster whose `backup` repository is drilled. */
    cluster: PatroniCluster;
}

/**
 * A restore drill of a PatroniCluster's backup repository (Docker): the latest backup (or
 * `target`) restored into a throwaway container of the cluster's image, with the repository
 * volume mounted read-only and no network (an S3 repository: on the cluster's network, to reach
 * the endpoint), started, checked with `check`, and removed. Outputs the
 * measured `restoreSeconds`, the `restorablePoint` (newest commit the restore holds) and the
 * `lossWindowSeconds` (now minus that point), and fails the update naming each missed objective.
 */
export class RestoreDrill extends RestoreDrillResource {
    constructor(name: string, args: RestoreDrillArgs, opts?: pulumi.CustomResourceOptions) {
        const subject = `RestoreDrill ${name}`;
        const { cluster, ...rest } = args;
        const { spec, issues, trigger } = restoreDrillArgs(rest);
        if (!(cluster instanceof PatroniCluster)) issues.push({ field: "cluster", message: "must be a PatroniCluster from @pgscale/docker" });
        else if (!cluster.resolved.spec.backup) issues.push({ field: "cluster", message: `PatroniCluster has no \`backup\`: there is no repository to drill` });
        if (issues.length || !spec) throw new PgscaleValidationError(subject, issues);
        const engine = engineTarget(cluster);
        // An S3 repository: its settings with the keys and CA resolved, a secret as a whole.
        const s3 = cluster.resolved.spec.backup!.repository.s3;
        super(DOCKER_PROVIDER, name, {
            subject,
            dockerHost: engine.host,
            image: cluster.members[0].container.image,
            volume: cluster.backupVolume,
            s3: s3 ? resolvedS3(s3) : undefined,
            network: s3 ? cluster.network.name : undefined,
            stanza: cluster.scope,
            passphrase: cluster.backupPassphrase,
            dataDir: cluster.resolved.layout.dataDir,
            target: spec.target,
            database: spec.database,
            check: spec.check,
            objectives: spec.objectives,
            trigger,
            ...Object.fromEntries(DRILL_OUTPUT_KEYS.map((k) => [k, undefined])),
        }, {
            ...opts,
            // The first backup must exist: the cluster's scheduler takes it once the cluster is ready.
            dependsOn: [...([] as pulumi.Resource[]).concat((opts?.dependsOn as pulumi.Resource[] | undefined) ?? []), cluster.ready],
            additionalSecretOutputs: ["passphrase", "s3"],
        }, "pgscale", "RestoreDrill");
    }
}
