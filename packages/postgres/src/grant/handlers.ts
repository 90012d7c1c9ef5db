import type * as pulumi from "@pulumi/pulumi";
import { grantFields, parseGrant, planGrant, planGrantRemoval, stableJson, summarizeAccessPlan, type GrantSpec } from "@pgscale/core";
import { withSession } from "../sql/session";
import { checkBeforePlan, checkFailure, connectionOf as connectionFor, specFrom, wire } from "../sql/provider-io";
import { AccessPlanRefusedError, applySteps } from "../sql/steps";
import { readGrantCatalog } from "./catalog";

// The Grant provider's lifecycle: check plans against the live catalog (what preview shows),
// create/update apply that plan, read reports the grantee's privileges as they are (drift), and
// delete revokes what the grant declared.

type Props = Record<string, unknown>;
const SPEC_KEYS = Object.keys(grantFields.shape) as (keyof GrantSpec)[];
/** A grant on another grantee or scope is another grant: the old one is revoked first. */
const SCOPE_KEYS = ["role", "on", "database", "schema", "objects"] as const;

const subjectOf = (p: Props) => `Grant ${String(p.on ?? "")} to ${String(p.role ?? "")}`;
const specOf = (p: Props): GrantSpec => specFrom(p, SPEC_KEYS, parseGrant, subjectOf(p));
const specProps = (spec: GrantSpec): Props => JSON.parse(JSON.stringify(spec)) as Props;

const connectionOf = (p: Props) => connectionFor(p, subjectOf(p));

/** Every Grant's changes on a server take this lock in turn (see applySteps: concurrent ACL updates fail). */
const SERIALIZE = { serialize: "pgscale.grant" };

async function applyAndObserve(news: Props): Promise<Props> {
    const spec = specOf(news);
    return withSession(connectionOf(news), async (s) => {
        const plan = planGrant(spec, await readGrantCatalog(s, spec));
        if (plan.refusals.length) throw new AccessPlanRefusedError(subjectOf(news), plan);
        await applySteps(s, plan.steps, SERIALIZE);
        const observed = await readGrantCatalog(s, spec);
        return wire({ ...specProps(spec), connection: news.connection, plan: [], applied: summarizeAccessPlan(plan), observed: { objects: observed.objects, defaults: observed.defaults } });
    });
}

export const grantHandlers = {
    async check(_olds: Props, news: Props): Promise<pulumi.dynamic.CheckResult> {
        const pre = checkBeforePlan(news, () => ({ ...specProps(specOf(news)), connection: news.connection }));
        if (!("connection" in pre)) return pre;
        const spec = specOf(pre.inputs);
        const plan = await withSession(pre.connection, async (s) => planGrant(spec, await readGrantCatalog(s, spec)));
        return { inputs: { ...pre.inputs, plan: summarizeAccessPlan(plan) }, failures: plan.refusals.map((r) => checkFailure(r.field, r.reason)) };
    },

    async diff(_id: string, olds: Props, news: Props): Promise<pulumi.dynamic.DiffResult> {
        const pick = (p: Props) => Object.fromEntries(SPEC_KEYS.map((k) => [k, p[k]]));
        const replaces = SCOPE_KEYS.filter((k) => stableJson(olds[k] ?? null) !== stableJson(news[k] ?? null));
        const pending = Array.isArray(news.plan) && (news.plan as string[]).length > 0;
        const changes = pending || olds.connection !== news.connection || stableJson(pick(olds)) !== stableJson(pick(news));
        return { changes: changes || replaces.length > 0, replaces: [...replaces], deleteBeforeReplace: true };
    },

    async create(inputs: Props): Promise<pulumi.dynamic.CreateResult> {
        const outs = await applyAndObserve(inputs);
        return { id: `${outs.role}:${outs.on}:${outs.database ?? outs.schema}`, outs };
    },

    async read(id: string, props: Props): Promise<pulumi.dynamic.ReadResult> {
        const spec = specOf(props);
        const c = await withSession(connectionOf(props), (s) => readGrantCatalog(s, spec));
        // The grantee or the scope is gone: nothing of this grant is left.
        if (!c.roleExists || !c.containerExists) return { id: "", props: {} };
        // Drift shows as `observed`: each object's privileges as the catalog has them; the next `up` plans them back.
        return { id, props: wire({ ...props, observed: { objects: c.objects, defaults: c.defaults } }) };
    },

    async update(_id: string, _olds: Props, news: Props): Promise<pulumi.dynamic.UpdateResult> {
        return { outs: await applyAndObserve(news) };
    },

    async delete(_id: string, props: Props): Promise<void> {
        const spec = specOf(props);
        await withSession(connectionOf(props), async (s) => {
            const plan = planGrantRemoval(spec, await readGrantCatalog(s, spec));
            if (plan.refusals.length) throw new AccessPlanRefusedError(subjectOf(props), plan);
            await applySteps(s, plan.steps, SERIALIZE);
        });
    },
};
