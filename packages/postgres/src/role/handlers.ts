import type * as pulumi from "@pulumi/pulumi";
import { randomBytes } from "crypto";
import {
    parseRole, planRole, planRoleRemoval, roleFields, scramSha256Verifier, stableJson, summarizeAccessPlan,
    type AccessPlan, type RoleSpec,
} from "@pgscale/core";
import { PgscaleSqlError, withSession, type Session } from "../sql/session";
import { checkBeforePlan, checkFailure, connectionOf as connectionFor, specFrom, wire } from "../sql/provider-io";
import { readRole, readRoleCatalog } from "./catalog";
import { AccessPlanRefusedError, applySteps } from "../sql/steps";

// The Role provider's lifecycle. The connection and the generated password arrive as (secret)
// inputs or state on every call; nothing here captures a credential. Preview shows the plan
// because check computes it against the live catalog and returns it as `plan`.

type Props = Record<string, unknown>;

const SPEC_KEYS = Object.keys(roleFields.shape) as (keyof RoleSpec)[];

const subjectOf = (p: Props) => `Role ${String(p.name ?? "")}`;
const specOf = (p: Props): RoleSpec => specFrom(p, SPEC_KEYS, parseRole, subjectOf(p));
const specProps = (spec: RoleSpec): Props => JSON.parse(JSON.stringify(spec)) as Props;

const connectionOf = (p: Props) => connectionFor(p, subjectOf(p));

/** 32 random bytes, URL-safe: no character that needs quoting in a URI or a libpq string. */
const newPassword = () => randomBytes(32).toString("base64url");

async function planWith(s: Session, spec: RoleSpec, olds: Props, intent: "create" | "update", adoptExisting: boolean, verifier?: string): Promise<AccessPlan> {
    const previousName = typeof olds.name === "string" ? olds.name : undefined;
    const catalog = await readRoleCatalog(s, { name: spec.name, previousName, memberOf: spec.memberOf });
    return planRole({ desired: spec, previousName, catalog, intent, adoptExisting, verifier });
}

async function applyAndObserve(news: Props, olds: Props, intent: "create" | "update"): Promise<Props> {
    const spec = specOf(news);
    // A login role keeps the password it was given; one that starts to log in (or is adopted) gets one.
    const had = typeof olds.password === "string" && olds.password !== "" ? olds.password : undefined;
    const password = spec.login ? had ?? newPassword() : undefined;
    // The verifier set on the server is kept (secret) for poolers that pass SCRAM through (PgBouncer's
    // auth file must hold the server's own). A login role whose state has none yet gets its password
    // set again, as a new verifier of the same password.
    const hadVerifier = typeof olds.scramVerifier === "string" && olds.scramVerifier !== "" ? olds.scramVerifier : undefined;
    const setPassword = password !== undefined && (had === undefined || intent === "create" || hadVerifier === undefined);
    const verifier = setPassword ? scramSha256Verifier(password!) : password !== undefined ? hadVerifier : undefined;
    const adoptExisting = news.adoptExisting === true;
    return withSession(connectionOf(news), async (s) => {
        const plan = await planWith(s, spec, olds, intent, adoptExisting, setPassword ? verifier : undefined);
        if (plan.refusals.length) throw new AccessPlanRefusedError(subjectOf(news), plan);
        await applySteps(s, plan.steps);
        const observed = await readRole(s, spec.name);
        return wire({
            ...specProps(spec), adoptExisting, connection: news.connection, password: password ?? "", scramVerifier: verifier ?? "",
            plan: [], applied: summarizeAccessPlan(plan), observed,
        });
    });
}

export const roleHandlers = {
    async check(olds: Props, news: Props): Promise<pulumi.dynamic.CheckResult> {
        const pre = checkBeforePlan(news, () => ({ ...specProps(specOf(news)), adoptExisting: news.adoptExisting === true, connection: news.connection }));
        if (!("connection" in pre)) return pre;
        const { inputs, connection } = pre;
        const spec = specOf(inputs);
        const intent = olds.name === undefined ? "create" : "update";
        // Check sees the old inputs (no password): a password is set on create, or when a group role starts to log in.
        const setsPassword = spec.login && (intent === "create" || olds.login === false);
        // The verifier is made at apply time; preview only needs to know one will be set.
        const plan = await withSession(connection, (s) => planWith(s, spec, olds, intent, news.adoptExisting === true, setsPassword ? "(generated)" : undefined));
        return { inputs: { ...inputs, plan: summarizeAccessPlan(plan) }, failures: plan.refusals.map((r) => checkFailure(r.field, r.reason)) };
    },

    async diff(_id: string, olds: Props, news: Props): Promise<pulumi.dynamic.DiffResult> {
        const pick = (p: Props) => Object.fromEntries(SPEC_KEYS.map((k) => [k, p[k]]));
        const pending = Array.isArray(news.plan) && (news.plan as string[]).length > 0;
        // A login role whose state holds no verifier (made before roles kept theirs) gets one by an update.
        const verifierMissing = olds.login === true && news.login !== false && !olds.scramVerifier;
        const changes = pending || verifierMissing || olds.connection !== news.connection || stableJson(pick(olds)) !== stableJson(pick(news));
        // A rename is an update (ALTER ROLE ... RENAME), never a replacement.
        return { changes, replaces: [], deleteBeforeReplace: false };
    },

    async create(inputs: Props): Promise<pulumi.dynamic.CreateResult> {
        const outs = await applyAndObserve(inputs, {}, "create");
        return { id: String(outs.name), outs };
    },

    async read(id: string, props: Props): Promise<pulumi.dynamic.ReadResult> {
        const spec = specOf(props);
        const observed = await withSession(connectionOf(props), (s) => readRole(s, spec.name));
        // Dropped outside the stack: an empty id tells the engine, and refresh removes it from the stack.
        if (!observed) return { id: "", props: {} };
        // Drift shows as the spec fields as the catalog has them; the next `up` brings them back.
        const live: Props = {
            login: observed.login, inherit: observed.inherit, createDatabase: observed.createDatabase, createRole: observed.createRole,
            connectionLimit: observed.connectionLimit, memberOf: observed.memberOf,
            ...(observed.validUntil === null ? { validUntil: undefined } : { validUntil: spec.validUntil && Date.parse(spec.validUntil) === Date.parse(observed.validUntil) ? spec.validUntil : observed.validUntil }),
        };
        return { id, props: wire({ ...props, ...live, observed }) };
    },

    async update(_id: string, olds: Props, news: Props): Promise<pulumi.dynamic.UpdateResult> {
        return { outs: await applyAndObserve(news, olds, "update") };
    },

    async delete(_id: string, props: Props): Promise<void> {
        const spec = specOf(props);
        const steps = planRoleRemoval(spec);
        if (!steps.length) return;
        await withSession(connectionOf(props), (s) => applySteps(s, steps)).catch((e) => {
            // PostgreSQL's detail names what depends on the role; say what the stack can do about it.
            if (e instanceof PgscaleSqlError && e.sqlstate === "2BP01")
                throw new Error(`${subjectOf(props)}: not dropped, nothing was changed: ${e.message}\n  the role still owns or holds these; set removalPolicy "reassign" (with reassignOwnedTo) or "retain", or remove them first`);
            throw e;
        });
    },
};
