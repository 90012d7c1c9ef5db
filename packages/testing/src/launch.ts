import { LocalWorkspace, PulumiFn, Stack } from "@pulumi/pulumi/automation";
import { waitForPrimary } from "./chaos";
import { queryOnce } from "./pg-probe";
import { waitFor } from "./wait";
import { ClusterInfo, clusterInfo } from "./cluster-info";
import { dockerLines, dockerLogs, dockerRemove } from "./docker-cli";
import { LABELS, PROJECT } from "./labels";
import { StartPlan, uniqueStackName } from "./options";
import { KEPT_PREFIX, currentOwner, formatOwner } from "./owner";
import { CLUSTER_DIR_ENV } from "./processes";
import { EngineProgress, engineProgress, seconds } from "./progress";
import { prune, reapByDir } from "./prune";
import { ClusterDir, createClusterDir, removeClusterDir } from "./state-dir";
import { TmpfsUsers, TopologyOutputs, imagesOf, topologyProgram } from "./topology";
import { imageUser } from "./image-user";
import { ensureImage } from "@pgscale/docker";
import { postgresLayout } from "@pgscale/core";

/** A started stack and the one way to take it down. */
export interface LaunchedStack {
    info: ClusterInfo;
    destroy(): Promise<void>;
}

function describe(plan: StartPlan): string {
    const nodes = plan.patroni.nodes ?? 1;
    const parts = [`etcd x${plan.etcdMembers}`, `PostgreSQL ${plan.postgresVersion} x${nodes} (Patroni${plan.synchronousMode === "quorum" ? ", quorum commit" : plan.synchronousMode ? ", synchronous" : ""})`];
    if (plan.kind === "cluster") parts.push("HAProxy");
    if (plan.pooler) parts.push("PgBouncer");
    return `${parts.join(", ")}; profile ${plan.profile}`;
}

/** The resources' error diagnostics when there are any; else the tail of the CLI's message. */
function pulumiError(what: string, e: unknown, progress: EngineProgress): Error {
    const text = progress.errors.length ? progress.errors.join("\n") : (e instanceof Error ? e.message : String(e)).trim().split("\n").slice(-25).join("\n");
    return new Error(`${what}:\n${text}`);
}

/** Labelled leftovers of one cluster, found on the engine: the fallback when `pulumi destroy` fails. */
function reapByLabel(dir: ClusterDir): Promise<void> {
    return reapByDir(dir.dir);
}

/** State and last log lines of every container of a failed start: the error is all a CI log keeps. */
async function containerReport(dir: ClusterDir): Promise<string> {
    try {
        const rows = await dockerLines(["ps", "-a", "--filter", `label=${LABELS.dir}=${dir.dir}`, "--format", "{{.Names}}\t{{.Status}}"]);
        const parts = await Promise.all(rows.map(async (row) => {
            const [name, status] = row.split("\t");
            const logs = await dockerLogs(name, 5);
            return `  ${name}: ${status}\n${logs.split("\n").map((l) => `    | ${l.slice(0, 300)}`).join("\n")}`;
        }));
        return parts.length ? `\ncontainers:\n${parts.join("\n")}` : "";
    } catch {
        return "";
    }
}

/**
 * `pulumi up` returns once Patroni has a leader and streaming replicas; HAProxy marks each server up
 * at its next check (the synchronous standby only once Patroni has named it, a loop later) and
 * PgBouncer connects on first use. The URIs handed out must work at once, each of them: HAProxy
 * accepts a connection for a backend with no server up and closes it ("Connection terminated
 * unexpectedly" in the client).
 */
async function untilClientsConnect(info: ClusterInfo): Promise<void> {
    await waitForPrimary(info, { timeoutMs: 60_000 });
    const standby = async (uri: string) => (await queryOnce<{ r: boolean }>(uri, "SELECT pg_is_in_recovery() AS r"))[0]?.r === true;
    await Promise.all([
        info.replicaUri && waitFor("a replica through replicaUri", 60_000, () => standby(info.replicaUri!)),
        info.syncReplicaUri && waitFor("the synchronous standby through syncReplicaUri", 60_000, () => standby(info.syncReplicaUri!)),
        info.poolerUri && waitFor("a query through PgBouncer", 60_000, async () => (await queryOnce(info.poolerUri!, "SELECT 1 AS one")).length === 1),
    ]);
}

async function dataUsers(plan: StartPlan): Promise<TmpfsUsers> {
    const images = imagesOf(plan);
    // pgscale's own images are built on the engine the first time (the program would build
    // them too); the user's images are the user's to have pulled.
    const own = [...(plan.images.etcd ? [] : ["etcd" as const]), ...(plan.images.patroni ? [] : [postgresLayout(plan.postgresVersion).image])];
    await Promise.all(own.map((name) => ensureImage({ name, onProgress: (line) => plan.log(line) })));
    const [etcd, postgres] = await Promise.all([imageUser(images.etcd), imageUser(images.patroni)]);
    return { etcd, postgres };
}

/**
 * Runs the inline program in a stack of its own, in a state directory of its own, and returns the
 * cluster's endpoints. A failed start takes down whatever it created before rethrowing.
 */
export async function launch(plan: StartPlan, reuseKey?: string): Promise<LaunchedStack> {
    const { log } = plan;
    const stackName = uniqueStackName(plan.namePrefix);
    const me = currentOwner();
    // A kept cluster is marked from its first object on, so no prune mistakes it for a dead run's.
    const ownerText = (reuseKey ? KEPT_PREFIX : "") + formatOwner(me);
    const dir = createClusterDir(plan.stateRoot, stackName, me, ownerText);
    log(`starting ${stackName}: ${describe(plan)}`);
    const t0 = Date.now();
    let stack: Stack | undefined;
    let destroyed = false;

    const destroy = async () => {
        if (destroyed) return;
        destroyed = true;
        const t1 = Date.now();
        const progress = engineProgress(log, 0);
        log(`destroying ${stackName}`);
        let failure: Error | undefined;
        try {
            // Nothing in a test cluster is worth a clean shutdown: removing the containers first spares
            // `pulumi destroy` each member's stop grace period (Patroni checkpoints, leaves the DCS).
            const containers = await dockerLines(["ps", "-aq", "--filter", `label=${LABELS.dir}=${dir.dir}`]);
            if (containers.length) await dockerRemove(["rm", "-f", "-v", ...containers]);
            if (stack) await stack.destroy({ onEvent: progress.onEvent });
        } catch (e) {
            failure = pulumiError(`pulumi destroy of ${stackName} failed; its objects were removed by label instead`, e, progress);
        }
        // Normally finds nothing; after a failed destroy it removes what the stack still had.
        await reapByLabel(dir);
        removeClusterDir(dir.dir);
        if (failure) throw failure;
        log(`destroyed ${stackName} in ${seconds(Date.now() - t1)}`);
    };

    try {
        // Independent of each other, so concurrent: reaping stale runs, finding the users tmpfs data
        // must belong to (the program waits for them), and creating the stack.
        const tmpfsUsers = plan.profile === "fast" ? dataUsers(plan) : Promise.resolve(undefined);
        const program: PulumiFn = async () => topologyProgram(plan, ownerText, dir.dir, await tmpfsUsers, reuseKey)();
        const workspace = LocalWorkspace.createOrSelectStack(
            { stackName, projectName: PROJECT, program },
            {
                workDir: dir.work,
                envVars: {
                    PULUMI_BACKEND_URL: `file://${dir.backend}`,
                    PULUMI_CONFIG_PASSPHRASE: plan.passphrase,
                    PULUMI_SKIP_UPDATE_CHECK: "true",
                    PULUMI_DIY_BACKEND_NO_LEGACY_WARNING: "true",
                    // The CLI's temporary files go with the cluster's directory.
                    TMPDIR: dir.tmp,
                    [CLUSTER_DIR_ENV]: dir.dir,
                },
            },
        );
        [stack] = await Promise.all([workspace, tmpfsUsers, plan.prune ? prune({ stateDir: plan.stateRoot, progress: log }) : undefined]);
        const replicas = (plan.patroni.nodes ?? 1) - 1;
        const progress = engineProgress(log, replicas);
        const up = await stack.up({ onEvent: progress.onEvent }).catch(async (e) => {
            const failure = pulumiError(`${plan.subject}: pulumi up of ${stackName} failed`, e, progress);
            failure.message += await containerReport(dir);
            throw failure;
        });
        const out = Object.fromEntries(Object.entries(up.outputs).map(([k, v]) => [k, v.value])) as TopologyOutputs;
        const info = clusterInfo(plan.kind, stackName, dir.dir, plan.synchronousMode, plan.patroni.database ?? "app", plan.patroni.owner ?? "app", out);
        await untilClientsConnect(info);
        log(`ready in ${seconds(Date.now() - t0)}: primary ${new URL(info.primaryUri).host}` +
            (info.replicaUri ? `, replicas ${new URL(info.replicaUri).host}` : "") +
            (info.poolerUri ? `, pooler ${new URL(info.poolerUri).host}` : ""));
        return { info, destroy };
    } catch (e) {
        await destroy().catch((d: Error) => log(d.message));
        throw e;
    }
}
