import * as pulumi from "@pulumi/pulumi";
import {
    FromBackupSpec, PgscaleValidationError, RestoreTarget, isLeaderRole, patroniHttp, patroniRequest, restoreFailure, sleep, sourceReadIssues,
} from "@pgscale/core";
import { packageRequire, PgscaleDynamicResource } from "@pgscale/postgres";
import { demuxLog, dockerEngine } from "./engine/docker-engine";
import { DOCKER_PACKAGE, DOCKER_PROVIDER } from "./own-package";
import { SourceRepository, THROWAWAY_CONFIG, runWithSourceRepository } from "./drill/throwaway";

// `bootstrap.fromBackup` on Docker, checked before and watched while it restores:
// RestoreSourceCheck reads the source repository (`pgbackrest info`, in a throwaway container)
// before any member is created; RestoreBootstrapWatch follows the members until the restored
// primary runs, and fails at the first failed attempt with pgBackRest's (or PostgreSQL's) message
// and the field it points to, instead of letting Patroni retry until the readiness timeout.

interface CheckInputs extends SourceRepository {
    subject: string;
    dockerHost?: string;
    image: string;
    target: RestoreTarget;
}

interface WatchInputs {
    subject: string;
    dockerHost?: string;
    containers: string[];
    restUrls: string[];
    /** The CA an https REST API's certificate chains to (restApi.https). */
    restCaPem?: string;
    timeoutSeconds: number;
}

/** What the providers below run, loaded from the installed package when a method runs. */
export const restoreBootstrapHandlers = {
    async check(i: CheckInputs): Promise<void> {
        const read = await runWithSourceRepository(i.dockerHost, i.subject, {
            ...i, role: "restore-check", entrypoint: ["pgbackrest", `--config=${THROWAWAY_CONFIG}`, `--stanza=${i.stanza}`, "--output=json", "info"],
        });
        const issues = sourceReadIssues(read, i.stanza, i.target);
        if (issues.length) throw new PgscaleValidationError(i.subject, issues);
    },

    async watch(i: WatchInputs): Promise<void> {
        const engine = dockerEngine(i.dockerHost);
        const deadline = Date.now() + i.timeoutSeconds * 1000;
        for (;;) {
            // The restored primary runs: recovery reached the target and promoted.
            for (const url of i.restUrls) {
                const p = await patroniRequest(patroniHttp, url, "/patroni", { ca: i.restCaPem }).catch(() => undefined);
                if (p?.body && isLeaderRole(String(p.body.role)) && p.body.state === "running") return;
            }
            for (const name of i.containers) {
                const log = await engine.getContainer(name).logs({ stdout: true, stderr: true, follow: false, tail: 3000 }).catch(() => undefined);
                if (!log) continue;
                const { stdout, stderr } = demuxLog(log as unknown as Buffer);
                const failed = restoreFailure(`${stdout}\n${stderr}`);
                if (failed) {
                    throw new Error(`${i.subject}: the restore from the backup failed on ${name}: ${failed.field}: ${failed.message}`
                        + ` (the member's log: docker logs ${name}; fix the field and create the cluster again)`);
                }
            }
            if (Date.now() > deadline) throw new Error(`${i.subject}: no restored primary after ${i.timeoutSeconds} s (docker logs ${i.containers.join(", ")})`);
            await sleep(1000);
        }
    },
};

const load = packageRequire(DOCKER_PACKAGE);
const handlers = (): typeof restoreBootstrapHandlers => load().restoreBootstrapHandlers;

// Both run once, when the cluster is created: `bootstrap` means nothing to a cluster that exists.
// Called through the package's one provider (providers.ts). A state written before that holds this
// object serialized, which loads its handlers through the package (own-package.ts).
export const restoreSourceCheckProvider: pulumi.dynamic.ResourceProvider = {
    async diff() {
        return { changes: false };
    },
    async create(inputs: CheckInputs) {
        await handlers().check(inputs);
        return { id: `restore-check-${Date.now().toString(36)}`, outs: { subject: inputs.subject } };
    },
};

export const restoreBootstrapWatchProvider: pulumi.dynamic.ResourceProvider = {
    async diff() {
        return { changes: false };
    },
    async create(inputs: WatchInputs) {
        await handlers().watch(inputs);
        return { id: `restore-watch-${Date.now().toString(36)}`, outs: { subject: inputs.subject } };
    },
};

export interface RestoreSourceCheckArgs {
    subject: string;
    dockerHost: pulumi.Input<string | undefined>;
    /** The members' image: its pgBackRest reads the repository. */
    image: pulumi.Input<string>;
    from: FromBackupSpec;
    /** The S3 source's settings with the keys and CA resolved (a secret), or undefined. */
    s3: pulumi.Input<FromBackupSpec["repository"]["s3"]> | undefined;
    /** With `s3`: the network that reaches the endpoint (the cluster's). */
    network?: pulumi.Input<string>;
    dataDir: string;
}

/** Before a restored cluster's members exist: the source repository holds the stanza, a backup, and the target. */
export class RestoreSourceCheck extends PgscaleDynamicResource {
    constructor(name: string, args: RestoreSourceCheckArgs, opts?: pulumi.CustomResourceOptions) {
        const { from } = args;
        super(DOCKER_PROVIDER, name, {
            subject: args.subject, dockerHost: args.dockerHost, image: args.image,
            volume: from.repository.volume, s3: args.s3, network: args.network,
            stanza: from.stanza, passphrase: from.passphrase ? pulumi.secret(from.passphrase as pulumi.Input<string>) : undefined,
            dataDir: args.dataDir, target: from.target,
        }, { ...opts, additionalSecretOutputs: ["passphrase", "s3"] }, "pgscale", "RestoreSourceCheck");
    }
}

export interface RestoreBootstrapWatchArgs {
    subject: string;
    dockerHost: pulumi.Input<string | undefined>;
    containers: pulumi.Input<string>[];
    restUrls: pulumi.Input<string>[];
    restCaPem?: pulumi.Input<string | undefined>;
    /** Give up waiting for the restored primary after this many seconds. Default 3600: a restore takes as long as the data. */
    timeoutSeconds?: number;
}

/** While a restored cluster's first member restores: done when it runs as primary, failed at its first failed attempt. */
export class RestoreBootstrapWatch extends PgscaleDynamicResource {
    constructor(name: string, args: RestoreBootstrapWatchArgs, opts?: pulumi.CustomResourceOptions) {
        super(DOCKER_PROVIDER, name, { timeoutSeconds: 3600, ...args }, opts, "pgscale", "RestoreBootstrapWatch");
    }
}
