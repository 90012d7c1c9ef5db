import * as pulumi from "@pulumi/pulumi";
import { RolloutPlan, changedMembers, nextPlan, stableJson } from "@pgscale/core";
import { MemberSelector, discoverMembers } from "./docker-members";
import { RollingContext, awaitDeparture, currentLeader, pauseForTeardown, prepareMemberReplacement, resumeIfPaused, waitSettled } from "./rolling-ops";
import { packageRequire, PgscaleDynamicResource } from "@pgscale/postgres";
import { DOCKER_PACKAGE, DOCKER_PROVIDER } from "../own-package";

// Rolling replacement of PatroniCluster members. Pulumi replaces containers in dependency order,
// so the construct chains them (gate -> container -> next gate ...) in the order PatroniRollout
// plans: replicas first, the leader last. A gate's update runs just before its member's container
// is replaced: it waits for the previous replacement to stream and moves leadership away.

interface RolloutInputs {
    selector: MemberSelector;
    /** The docker provider's `host`; unset: DOCKER_HOST. */
    dockerHost?: string;
    members: string[];
    revisions: Record<string, string>;
    plan?: RolloutPlan;
    /** The CA (PEM) of the members' REST certificates when they serve HTTPS. */
    restCaPem?: string;
}

interface GateInputs {
    selector: MemberSelector;
    dockerHost?: string;
    /** Unset: the gate after the last member, which waits for the whole cluster. */
    member?: string;
    members: string[];
    /** Members replaced before this one: preferred switchover targets. */
    prefer: string[];
    revision: string;
    username: string;
    password: string;
    superuserPassword: string;
    /** The CA (PEM) of the members' REST certificates when they serve HTTPS. */
    restCaPem?: string;
    /** The CA (PEM) of the members' PostgreSQL certificates when they require TLS. */
    pgCaPem?: string;
    timeoutSeconds: number;
    /** MajorUpgrade's token: a new one means this `up` stopped the cluster to upgrade it. */
    upgradeToken?: string;
}

function context(i: GateInputs | RolloutInputs): RollingContext {
    const g = i as Partial<GateInputs>;
    return {
        discover: () => discoverMembers(i.selector, i.dockerHost),
        auth: { username: g.username ?? "", password: g.password ?? "" },
        ...(i.restCaPem ? { ca: i.restCaPem } : {}),
        superuserPassword: g.superuserPassword,
        ...(g.pgCaPem ? { pgCaPem: g.pgCaPem } : {}),
        timeoutSeconds: g.timeoutSeconds ?? 600,
    };
}

/** What the providers below run, loaded from the installed package when a method runs. */
export const rollingHandlers = {
    async rolloutCheck(olds: Partial<RolloutInputs>, news: RolloutInputs) {
        const previous = Array.isArray(olds?.members) ? { members: olds.members, revisions: olds.revisions, plan: olds.plan } : undefined;
        const changed = changedMembers(previous, news);
        // The leader is asked for only when a member is replaced; an unreachable cluster plans without it.
        const leader = changed.length ? await currentLeader(context(news)).catch(() => null) : null;
        return { inputs: { ...news, plan: nextPlan(previous, news, () => leader) } };
    },
    rolloutDiff(olds: RolloutInputs, news: RolloutInputs) {
        const keys = ["members", "revisions", "plan"] as const;
        return { changes: keys.some((k) => stableJson(olds[k]) !== stableJson(news[k])) };
    },
    gateDiff(olds: GateInputs, news: GateInputs) {
        // A new CA (tls.caGeneration, or the CA's age) is an update too, one that only stores it:
        // a gate's delete (a member leaving, the stack's teardown) talks to the members with the
        // stored CA, and two rotations on, the members' certificates no longer chain to the first.
        return { changes: olds.revision !== news.revision || olds.restCaPem !== news.restCaPem || olds.pgCaPem !== news.pgCaPem };
    },
    async gateCreate(inputs: GateInputs) {
        // A new cluster: nothing to wait for. Leaves maintenance mode a failed teardown left behind.
        if (inputs.member === undefined) await resumeIfPaused(context(inputs));
        return { id: `gate-${inputs.member ?? "settled"}-${Date.now().toString(36)}`, outs: inputs };
    },
    async gateUpdate(olds: GateInputs, news: GateInputs) {
        // Only the CAs changed (see gateDiff): nothing is replaced, nothing to wait for.
        if (news.revision === olds.revision) return { outs: news };
        // A major upgrade stopped every member on purpose: nothing to wait for or switch over.
        if (news.member !== undefined && news.upgradeToken && news.upgradeToken !== "none" && news.upgradeToken !== olds.upgradeToken) return { outs: news };
        if (news.member === undefined) await waitSettled(context(news), news.members);
        else await prepareMemberReplacement(context(news), news.member, news.members, news.prefer);
        return { outs: news };
    },
    async gateDelete(props: GateInputs) {
        if (props.member === undefined) await pauseForTeardown(context(props));
        else await awaitDeparture(context(props), props.member);
    },
};

type Handlers = typeof rollingHandlers;
const load = packageRequire(DOCKER_PACKAGE);
const handlers = (): Handlers => load().rollingHandlers;

// Called through the package's one provider (providers.ts); credentials arrive as (secret) inputs
// on each call. A state written before that holds this object serialized (own-package.ts).
export const patroniRolloutProvider: pulumi.dynamic.ResourceProvider = {
    async check(olds, news) {
        return handlers().rolloutCheck(olds, news);
    },
    async diff(_id, olds, news) {
        return handlers().rolloutDiff(olds, news);
    },
    async create(inputs) {
        return { id: `rollout-${Date.now().toString(36)}`, outs: inputs };
    },
    async update(_id, _olds, news) {
        return { outs: news };
    },
};

export const patroniRolloutGateProvider: pulumi.dynamic.ResourceProvider = {
    async diff(_id, olds, news) {
        return handlers().gateDiff(olds, news);
    },
    async create(inputs) {
        return handlers().gateCreate(inputs);
    },
    async update(_id, olds, news) {
        return handlers().gateUpdate(olds, news);
    },
    async delete(_id, props) {
        await handlers().gateDelete(props);
    },
};

export interface PatroniRolloutArgs {
    selector: MemberSelector;
    /** The engine the members run on (the docker provider's `host`); unset: DOCKER_HOST. */
    dockerHost?: pulumi.Input<string | undefined>;
    members: string[];
    /** Member name to replacementFingerprint of its container. */
    revisions: pulumi.Input<Record<string, pulumi.Input<string>>>;
    /** The CA (PEM) of the members' REST certificates when they serve HTTPS. */
    restCaPem?: pulumi.Input<string>;
}

/**
 * The order in which a change replaces members, planned from the live leader when `pulumi
 * preview` or `up` checks it: `plan.steps` shows in `pulumi preview --diff`.
 */
export class PatroniRollout extends PgscaleDynamicResource {
    public readonly plan!: pulumi.Output<RolloutPlan>;

    constructor(name: string, args: PatroniRolloutArgs, opts?: pulumi.CustomResourceOptions) {
        super(DOCKER_PROVIDER, name, { ...args, plan: undefined }, opts, "pgscale", "PatroniRollout");
    }
}

export interface PatroniRolloutGateArgs {
    selector: MemberSelector;
    /** The engine the members run on (the docker provider's `host`); unset: DOCKER_HOST. */
    dockerHost?: pulumi.Input<string | undefined>;
    /** The member whose replacement this gate precedes; unset for the gate after the last member. */
    member?: string;
    members: string[];
    prefer?: pulumi.Input<string[]>;
    revision: pulumi.Input<string>;
    username: pulumi.Input<string>;
    password: pulumi.Input<string>;
    superuserPassword: pulumi.Input<string>;
    /** The CA (PEM) of the members' REST certificates when they serve HTTPS. */
    restCaPem?: pulumi.Input<string>;
    /** The CA (PEM) of the members' PostgreSQL certificates when they require TLS (tls.enabled). */
    pgCaPem?: pulumi.Input<string>;
    /** Give up after this many seconds per wait. Default 600. */
    timeoutSeconds?: number;
    /** The cluster's MajorUpgrade token (see gateUpdate). */
    upgradeToken?: pulumi.Input<string>;
}

/**
 * Runs when `revision` changes, i.e. just before the member's container is replaced: waits for the
 * rest of the cluster to stream and switches over if the member leads. On removal (scale-down) it
 * waits until the member left the cluster and its replication slot is gone.
 */
export class PatroniRolloutGate extends PgscaleDynamicResource {
    constructor(name: string, args: PatroniRolloutGateArgs, opts?: pulumi.CustomResourceOptions) {
        super(DOCKER_PROVIDER, name, {
            timeoutSeconds: 600, prefer: [], ...args,
            password: pulumi.secret(args.password), superuserPassword: pulumi.secret(args.superuserPassword),
        }, opts, "pgscale", "PatroniRolloutGate");
    }
}
