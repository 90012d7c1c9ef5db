import type * as pulumi from "@pulumi/pulumi";
import { stableJson, summarizeAccessPlan, type AccessPlan, type AccessStep } from "@pgscale/core";
import { withSession, type Session } from "./session";
import { checkBeforePlan, checkFailure, connectionOf, specFrom, wire } from "./provider-io";
import { AccessPlanRefusedError, applySteps } from "./steps";

// The lifecycle shared by the catalog objects that have a name and a few settings (Database,
// Schema, Extension): check plans against the live catalog (what preview shows), create/update
// apply that plan, read reports the object as the catalog has it (drift), delete runs the removal
// the spec's policy allows. A rename is an update; nothing is replaced.

type Props = Record<string, unknown>;

export interface NamedObjectKind<Spec extends { name: string }, Catalog, Observed> {
    /** "Database", "Schema", ... for messages. */
    kind: string;
    /** The spec's fields (the keys of its zod shape). */
    keys: readonly string[];
    parse(input: unknown, subject: string): Spec;
    readCatalog(s: Session, spec: Spec, previousName: string | undefined): Promise<Catalog>;
    plan(i: { desired: Spec; previous?: Spec; previousName?: string; catalog: Catalog; intent: "create" | "update"; adoptExisting: boolean }): AccessPlan;
    observe(s: Session, name: string): Promise<Observed | null>;
    removal(spec: Spec): AccessStep[];
    /** Spec fields as the catalog has them, so refresh shows drift in them. */
    live(props: Props, observed: Observed): Props;
}

export function namedObjectHandlers<Spec extends { name: string }, Catalog, Observed>(k: NamedObjectKind<Spec, Catalog, Observed>) {
    const subjectOf = (p: Props) => `${k.kind} ${String(p.name ?? "")}`;
    const specOf = (p: Props) => specFrom(p, k.keys, k.parse, subjectOf(p));
    const connection = (p: Props) => connectionOf(p, subjectOf(p));
    const planWith = async (s: Session, spec: Spec, olds: Props, adoptExisting: boolean) => {
        const previousName = typeof olds.name === "string" ? olds.name : undefined;
        let previous: Spec | undefined;
        try {
            previous = previousName === undefined ? undefined : specOf(olds);
        } catch {
            // State written by an older shape of the resource: plan without it.
        }
        const catalog = await k.readCatalog(s, spec, previousName);
        return k.plan({ desired: spec, previous, previousName, catalog, intent: previousName === undefined ? "create" : "update", adoptExisting });
    };
    const applyAndObserve = async (news: Props, olds: Props): Promise<Props> => {
        const spec = specOf(news);
        const adoptExisting = news.adoptExisting === true;
        return withSession(connection(news), async (s) => {
            const plan = await planWith(s, spec, olds, adoptExisting);
            if (plan.refusals.length) throw new AccessPlanRefusedError(subjectOf(news), plan);
            await applySteps(s, plan.steps);
            return wire({ ...spec, adoptExisting, connection: news.connection, plan: [], applied: summarizeAccessPlan(plan), observed: await k.observe(s, spec.name) });
        });
    };
    return {
        async check(olds: Props, news: Props): Promise<pulumi.dynamic.CheckResult> {
            const pre = checkBeforePlan(news, () => wire({ ...specOf(news), adoptExisting: news.adoptExisting === true, connection: news.connection }));
            if (!("connection" in pre)) return pre;
            const plan = await withSession(pre.connection, (s) => planWith(s, specOf(pre.inputs), olds, news.adoptExisting === true));
            return { inputs: { ...pre.inputs, plan: summarizeAccessPlan(plan) }, failures: plan.refusals.map((r) => checkFailure(r.field, r.reason)) };
        },
        async diff(_id: string, olds: Props, news: Props): Promise<pulumi.dynamic.DiffResult> {
            const pick = (p: Props) => Object.fromEntries(k.keys.map((key) => [key, p[key]]));
            const pending = Array.isArray(news.plan) && (news.plan as string[]).length > 0;
            return { changes: pending || olds.connection !== news.connection || stableJson(pick(olds)) !== stableJson(pick(news)), replaces: [], deleteBeforeReplace: false };
        },
        async create(inputs: Props): Promise<pulumi.dynamic.CreateResult> {
            const outs = await applyAndObserve(inputs, {});
            return { id: String(outs.name), outs };
        },
        async read(id: string, props: Props): Promise<pulumi.dynamic.ReadResult> {
            const observed = await withSession(connection(props), (s) => k.observe(s, specOf(props).name));
            // Gone from the server: an empty id tells the engine, and refresh removes it from the stack.
            if (!observed) return { id: "", props: {} };
            return { id, props: wire({ ...props, ...k.live(props, observed), observed }) };
        },
        async update(_id: string, olds: Props, news: Props): Promise<pulumi.dynamic.UpdateResult> {
            return { outs: await applyAndObserve(news, olds) };
        },
        async delete(_id: string, props: Props): Promise<void> {
            const steps = k.removal(specOf(props));
            if (steps.length) await withSession(connection(props), (s) => applySteps(s, steps));
        },
    };
}
