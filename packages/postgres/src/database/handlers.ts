import type * as pulumi from "@pulumi/pulumi";
import {
    databaseFields, parseDatabase, planDatabase, planDatabaseRemoval, stableJson, summarizeAccessPlan,
    type AccessPlan, type DatabaseSpec,
} from "@pgscale/core";
import { withSession, type Session } from "../sql/session";
import { checkBeforePlan, checkFailure, connectionOf as connectionFor, specFrom, wire } from "../sql/provider-io";
import { AccessPlanRefusedError, applySteps } from "../sql/steps";
import { readDatabase, readDatabaseCatalog } from "./catalog";

// The Database provider's lifecycle. Removal drops nothing unless removalPolicy is "destroy".

type Props = Record<string, unknown>;
const SPEC_KEYS = Object.keys(databaseFields.shape) as (keyof DatabaseSpec)[];

const subjectOf = (p: Props) => `Database ${String(p.name ?? "")}`;
const specOf = (p: Props): DatabaseSpec => specFrom(p, SPEC_KEYS, parseDatabase, subjectOf(p));
const previousOf = (olds: Props): DatabaseSpec | undefined => (typeof olds.name === "string" ? specOf(olds) : undefined);

const connectionOf = (p: Props) => connectionFor(p, subjectOf(p));

async function planWith(s: Session, spec: DatabaseSpec, olds: Props, adoptExisting: boolean): Promise<AccessPlan> {
    const previous = previousOf(olds);
    const catalog = await readDatabaseCatalog(s, spec, previous?.name);
    return planDatabase({ desired: spec, previous, catalog, intent: previous ? "update" : "create", adoptExisting });
}

async function applyAndObserve(news: Props, olds: Props): Promise<Props> {
    const spec = specOf(news);
    const adoptExisting = news.adoptExisting === true;
    return withSession(connectionOf(news), async (s) => {
        const plan = await planWith(s, spec, olds, adoptExisting);
        if (plan.refusals.length) throw new AccessPlanRefusedError(subjectOf(news), plan);
        await applySteps(s, plan.steps);
        return wire({ ...spec, adoptExisting, connection: news.connection, plan: [], applied: summarizeAccessPlan(plan), observed: await readDatabase(s, spec.name) });
    });
}

export const databaseHandlers = {
    async check(olds: Props, news: Props): Promise<pulumi.dynamic.CheckResult> {
        const pre = checkBeforePlan(news, () => ({ ...JSON.parse(JSON.stringify(specOf(news))), adoptExisting: news.adoptExisting === true, connection: news.connection }));
        if (!("connection" in pre)) return pre;
        const spec = specOf(pre.inputs);
        const plan = await withSession(pre.connection, (s) => planWith(s, spec, olds, news.adoptExisting === true));
        return { inputs: { ...pre.inputs, plan: summarizeAccessPlan(plan) }, failures: plan.refusals.map((r) => checkFailure(r.field, r.reason)) };
    },

    async diff(_id: string, olds: Props, news: Props): Promise<pulumi.dynamic.DiffResult> {
        const pick = (p: Props) => Object.fromEntries(SPEC_KEYS.map((k) => [k, p[k]]));
        const pending = Array.isArray(news.plan) && (news.plan as string[]).length > 0;
        // Nothing replaces a database: a rename is an update, create-only settings are refused at check.
        return { changes: pending || olds.connection !== news.connection || stableJson(pick(olds)) !== stableJson(pick(news)), replaces: [], deleteBeforeReplace: false };
    },

    async create(inputs: Props): Promise<pulumi.dynamic.CreateResult> {
        const outs = await applyAndObserve(inputs, {});
        return { id: String(outs.name), outs };
    },

    async read(id: string, props: Props): Promise<pulumi.dynamic.ReadResult> {
        const observed = await withSession(connectionOf(props), (s) => readDatabase(s, specOf(props).name));
        if (!observed) return { id: "", props: {} };
        // Drift in the fields the spec manages shows as those fields; the next `up` brings them back.
        return { id, props: wire({ ...props, connectionLimit: observed.connectionLimit, ...(props.owner === undefined ? {} : { owner: observed.owner }), observed }) };
    },

    async update(_id: string, olds: Props, news: Props): Promise<pulumi.dynamic.UpdateResult> {
        return { outs: await applyAndObserve(news, olds) };
    },

    async delete(_id: string, props: Props): Promise<void> {
        const steps = planDatabaseRemoval(specOf(props));
        // DROP DATABASE cannot run on a session connected to that database: use the connection's own.
        if (steps.length) await withSession(connectionOf(props), (s) => applySteps(s, steps));
    },
};
