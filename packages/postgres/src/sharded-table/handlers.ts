import type * as pulumi from "@pulumi/pulumi";
import {
    connectionIssues,
    foreignServerName,
    referenceSlotName,
    planReferenceRemoval,
    planReferenceTables,
    planShardedRemoval,
    planShardedTable,
    serverEndpoint,
    shardRoleName,
    stableJson,
    summarizeShardedPlan,
    PgscaleValidationError,
    type CoordinatorCatalog,
    type ReferenceCoordinatorCatalog,
    type ReferenceShardCatalog,
    type RemovedReferenceShard,
    type ShardCatalog,
    type ShardCredential,
    type ShardedPlan,
    type ShardedStep,
    type ShardedTableSpec,
} from "@pgscale/core";
import { withSession } from "../sql/session";
import { applySteps } from "../sql/steps";
import { UNKNOWN, checkBeforePlan, checkFailure, wire } from "../sql/provider-io";
import { readCoordinator, readShard } from "./catalog-reader";
import { readReferenceCoordinator, readReferenceShard } from "./reference-reader";
import { coordinatorOf, credentialsFor, placeholderCredentials, publisherOf, removedConnections, removedCredentials, replicationCredentialFor, shardUris, specOf, specProps, storedCredentials, subjectOf, SPEC_KEYS } from "./state";

// The provider's lifecycle. Connections and the shard roles' passwords arrive as secret
// inputs or state on every call; nothing here captures one. Check plans against the live
// catalogs of the coordinator and every shard, so preview shows the steps; the shards'
// steps run first (each shard in one transaction), then the coordinator's (a slice's move in
// transactions of its own), then the shards' drops of the slices that moved away.

type Props = Record<string, unknown>;

/** The plan would lose rows or is not supported: nothing was run. */
export class ShardPlanRefusedError extends Error {
    constructor(subject: string, refusals: ShardedPlan["refusals"]) {
        super(`${subject}: refused, nothing was changed\n` + refusals.map((r) => `  - ${r.field}: ${r.reason}`).join("\n"));
        this.name = "ShardPlanRefusedError";
    }
}

interface Catalogs {
    coordinator: CoordinatorCatalog;
    shards: Record<string, ShardCatalog>;
    /** The reference tables' replication (./reference-reader). */
    reference: { coordinator: ReferenceCoordinatorCatalog; shards: Record<string, ReferenceShardCatalog>; removed: Record<string, RemovedReferenceShard> };
}

type Removed = ReturnType<typeof removedConnections>;

/** Every server name the coordinator may hold for this table: the spec's shards and those of the last apply. */
function serverNames(spec: ShardedTableSpec, previous: ShardedTableSpec | null): string[] {
    return [...new Set([...spec.shards, ...(previous?.shards ?? [])].map((s) => foreignServerName(spec, s.name)))];
}

/** `removed`: the last apply's shards no longer in the spec, read (with the last apply's connection) only when the coordinator holds their slot. */
async function readAll(coordinator: string, uris: { name: string; uri: string }[], spec: ShardedTableSpec, previous: ShardedTableSpec | null, removed: Removed = []): Promise<Catalogs> {
    const shards: Record<string, ShardCatalog> = {};
    const refShards: Record<string, ReferenceShardCatalog> = {};
    for (const { name, uri } of uris)
        await withSession(uri, async (s) => {
            shards[name] = await readShard(s, { schema: spec.schema, name: spec.name, role: shardRoleName(spec, name) });
            refShards[name] = await readReferenceShard(s, spec, previous, name);
        });
    const [coord, refCoord] = await withSession(coordinator, async (s) => [
        await readCoordinator(s, { schema: spec.schema, name: spec.name, servers: serverNames(spec, previous) }),
        await readReferenceCoordinator(s, spec, previous),
    ] as const);
    const refRemoved: Record<string, RemovedReferenceShard> = {};
    for (const { name, uri } of removed) {
        if (!refCoord.slots.some((s) => s.name === referenceSlotName(spec, name))) continue;
        refRemoved[name] = uri
            ? await withSession(uri, (s) => readReferenceShard(s, spec, previous, name)).catch((e: Error) => ({ unreachable: e.message }))
            : { unreachable: "the state of the last up holds no connection to it" };
    }
    return { coordinator: coord, shards, reference: { coordinator: refCoord, shards: refShards, removed: refRemoved } };
}

/** The sharded table's plan, then the reference tables' on the same servers (after the sharded table's steps there). */
function planFor(spec: ShardedTableSpec, previous: ShardedTableSpec | null, uris: { name: string; uri: string }[], credentials: Record<string, ShardCredential>, catalogs: Catalogs, coordinator: string, replication: ShardCredential): ShardedPlan {
    const endpoints = Object.fromEntries(spec.shards.map((s, i) => [s.name, serverEndpoint(s, uris[i].uri)]));
    const plan = planShardedTable({ desired: spec, previous, endpoints, credentials, coordinator: catalogs.coordinator, shards: catalogs.shards });
    const ref = planReferenceTables({ desired: spec, publisher: publisherOf(spec, coordinator), credential: replication, ...catalogs.reference });
    const refusals = [...plan.refusals, ...ref.refusals];
    // A removed shard's steps (its subscription dropped) run first, before the coordinator's (moves, drops of its server and slot): listed first.
    const removed = (s: ShardedStep) => s.target !== "coordinator" && !spec.shards.some((x) => x.name === s.target);
    const steps = [...ref.steps.filter(removed), ...plan.steps, ...ref.steps.filter((s) => !removed(s))];
    return { steps: refusals.length ? [] : steps, refusals, notes: [...plan.notes, ...ref.notes] };
}

function previousSpec(olds: Props): ShardedTableSpec | null {
    try {
        return olds.name === undefined ? null : specOf(olds);
    } catch {
        return null;
    }
}

function assertConnections(props: Props, coordinator: string, uris: { name: string; uri: string }[]): void {
    const issues = connectionIssues(coordinator, uris);
    if (issues.length) throw new PgscaleValidationError(subjectOf(props), issues);
}

/** What refresh reports: the objects as read, without any credential. */
function observe(catalogs: Catalogs): Props {
    return wire({
        coordinator: {
            fdwInstalled: catalogs.coordinator.fdwInstalled,
            servers: catalogs.coordinator.servers.map((s) => ({ name: s.name, options: s.options, mappingUser: s.mappingUser })),
            parent: catalogs.coordinator.parent,
            partitions: catalogs.coordinator.partitions,
        },
        shards: catalogs.shards,
        reference: catalogs.reference,
    });
}

async function applyAndObserve(news: Props, olds: Props): Promise<Props> {
    const spec = specOf(news);
    const coordinator = coordinatorOf(news);
    const uris = shardUris(news, spec);
    assertConnections(news, coordinator, uris);
    const previous = previousSpec(olds);
    const credentials = credentialsFor(spec, olds.credentials);
    const replication = replicationCredentialFor(spec, olds.replicationCredential);
    const removed = removedConnections(spec, previous, olds.shardConnections);
    const catalogs = await readAll(coordinator, uris, spec, previous, removed);
    const plan = planFor(spec, previous, uris, { ...removedCredentials(spec, previous, olds.credentials), ...credentials }, catalogs, coordinator, replication);
    if (plan.refusals.length) throw new ShardPlanRefusedError(subjectOf(news), plan.refusals);
    // A removed shard's steps (its subscription dropped) run first, as planFor lists them: before the coordinator drops its slot.
    const reachable = removed.filter((r): r is { name: string; uri: string } => r.uri !== null);
    const onShards = async (after: boolean) => {
        for (const { name, uri } of [...reachable, ...uris]) {
            const steps = plan.steps.filter((s) => s.target === name && !!s.after === after);
            if (steps.length) await withSession(uri, (s) => applySteps(s, steps));
        }
    };
    await onShards(false);
    const coordSteps = plan.steps.filter((s) => s.target === "coordinator");
    if (coordSteps.length) await withSession(coordinator, (s) => applySteps(s, coordSteps));
    // A shard drops a slice it held only once the coordinator reads it from its new shard.
    await onShards(true);
    const after = await readAll(coordinator, uris, spec, previous);
    return wire({
        ...specProps(spec),
        coordinator,
        shardConnections: news.shardConnections,
        credentials: storedCredentials(credentials),
        replicationCredential: storedCredentials({ r: replication }).r,
        plan: [],
        applied: summarizeShardedPlan(plan),
        drift: [],
        observed: observe(after),
    });
}

const unknown = (v: unknown) => v === UNKNOWN || (typeof v === "object" && v !== null && Object.values(v).some((x) => x === UNKNOWN || typeof x !== "string"));

export const shardedTableHandlers = {
    async check(olds: Props, news: Props): Promise<pulumi.dynamic.CheckResult> {
        const pre = checkBeforePlan({ ...news, connection: unknown(news.shardConnections) ? UNKNOWN : news.coordinator }, () => ({
            ...specProps(specOf(news)),
            coordinator: news.coordinator,
            shardConnections: news.shardConnections,
        }));
        if (!("connection" in pre)) return pre;
        const { inputs } = pre;
        const spec = specOf(inputs);
        const coordinator = coordinatorOf(inputs);
        const uris = shardUris(inputs, spec);
        const issues = connectionIssues(coordinator, uris);
        if (issues.length) return { inputs, failures: issues.map((i) => checkFailure(i.field, i.message)) };
        const previous = previousSpec(olds);
        const catalogs = await readAll(coordinator, uris, spec, previous, removedConnections(spec, previous, olds.shardConnections));
        const plan = planFor(spec, previous, uris, placeholderCredentials(spec, previous), catalogs, coordinator, replicationCredentialFor(spec, olds.replicationCredential, true));
        return { inputs: { ...inputs, plan: summarizeShardedPlan(plan) }, failures: plan.refusals.map((r) => checkFailure(r.field, r.reason)) };
    },

    async diff(_id: string, olds: Props, news: Props): Promise<pulumi.dynamic.DiffResult> {
        const pick = (p: Props) => Object.fromEntries(SPEC_KEYS.map((k) => [k, p[k]]));
        const replaces = (["schema", "name"] as const).filter((k) => olds[k] !== news[k]);
        const plan = Array.isArray(news.plan) ? (news.plan as string[]) : [];
        const pending = plan.some((line) => !line.startsWith("note: "));
        const changes =
            pending || olds.coordinator !== news.coordinator || stableJson(olds.shardConnections) !== stableJson(news.shardConnections) || stableJson(pick(olds)) !== stableJson(pick(news));
        return { changes: changes || replaces.length > 0, replaces, deleteBeforeReplace: false };
    },

    async create(inputs: Props): Promise<pulumi.dynamic.CreateResult> {
        const outs = await applyAndObserve(inputs, {});
        return { id: `${outs.schema}.${outs.name}`, outs };
    },

    async read(id: string, props: Props): Promise<pulumi.dynamic.ReadResult> {
        const spec = specOf(props);
        const uris = shardUris(props, spec);
        const catalogs = await readAll(coordinatorOf(props), uris, spec, spec);
        // Gone everywhere: an empty id tells the engine, and refresh drops it from the stack.
        if (!catalogs.coordinator.parent && Object.values(catalogs.shards).every((s) => !s.parent) && !catalogs.reference.coordinator.publication) return { id: "", props: {} };
        const stored = credentialsFor(spec, props.credentials);
        const replication = { ...replicationCredentialFor(spec, props.replicationCredential, true), fresh: false };
        const plan = planFor(spec, spec, uris, Object.fromEntries(Object.entries(stored).map(([k, c]) => [k, { ...c, fresh: false }])), catalogs, coordinatorOf(props), replication);
        const drift = [...summarizeShardedPlan(plan), ...plan.refusals.map((r) => `refused: ${r.field}: ${r.reason}`)];
        return { id, props: wire({ ...props, drift, observed: observe(catalogs) }) };
    },

    async update(_id: string, olds: Props, news: Props): Promise<pulumi.dynamic.UpdateResult> {
        return { outs: await applyAndObserve(news, olds) };
    },

    async delete(_id: string, props: Props): Promise<void> {
        const spec = specOf(props);
        if (spec.removalPolicy === "retain") return;
        const coordinator = coordinatorOf(props);
        const uris = shardUris(props, spec);
        const catalogs = await readAll(coordinator, uris, spec, null);
        const plan = planShardedRemoval({ desired: spec, coordinator: catalogs.coordinator, shards: catalogs.shards });
        if (plan.refusals.length) throw new ShardPlanRefusedError(subjectOf(props), plan.refusals);
        // The reference tables' replication first: each shard's subscription, then the coordinator's publication, slots and role.
        const replication = planReferenceRemoval(spec, catalogs.reference.coordinator, catalogs.reference.shards);
        for (const { name, uri } of uris) {
            const steps = replication.filter((s) => s.target === name);
            if (steps.length) await withSession(uri, (s) => applySteps(s, steps));
        }
        const coordSteps = [...replication.filter((s) => s.target === "coordinator"), ...plan.steps.filter((s) => s.target === "coordinator")];
        if (coordSteps.length) await withSession(coordinator, (s) => applySteps(s, coordSteps));
        for (const { name, uri } of uris) {
            const steps = plan.steps.filter((s) => s.target === name);
            if (steps.length) await withSession(uri, (s) => applySteps(s, steps));
        }
    },
};
