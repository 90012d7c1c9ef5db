import type * as pulumi from "@pulumi/pulumi";
import {
    desiredDefaultPartition,
    explicitPartitions,
    observeCatalog,
    planPartitionedTable,
    planRemoval,
    PgscaleValidationError,
    rollingWindow,
    stableJson,
    summarizePlan,
    type PartitionPlan,
    type PartitionedTableSpec,
    type PlanInput,
} from "@pgscale/core";
import { readCatalog } from "./catalog-reader";
import { applySteps } from "../sql/steps";
import { PgscaleSqlError, withSession, type Session } from "../sql/session";
import { connectionOf, specFromProps, specProps, SPEC_KEYS, type PartitionedTableOutputs } from "./state";
import { UNKNOWN, checkFailure as failure } from "../sql/provider-io";

// The provider's lifecycle. Every method resolves the connection from its own
// inputs or state; nothing here captures a credential. Preview shows the plan
// because check computes it against the live catalog and returns it as `plan`.

/** The plan would do something the spec does not allow (e.g. lose rows): nothing was run. */
export class PartitionPlanRefusedError extends Error {
    constructor(subject: string, refusals: PartitionPlan["refusals"]) {
        super(`${subject}: refused, nothing was changed\n` + refusals.map((r) => `  - ${r.field}: ${r.reason}`).join("\n"));
        this.name = "PartitionPlanRefusedError";
    }
}

type Props = Record<string, unknown>;

const subjectOf = (props: Props) => `PartitionedTable ${typeof props.schema === "string" ? `${props.schema}.` : ""}${String(props.name ?? "")}`;
const tableId = (spec: PartitionedTableSpec) => `${spec.schema}.${spec.name}`;

/** Plans against the live catalog: reads it (with the names the plan may meet), then diffs. */
async function planWith(s: Session, spec: PartitionedTableSpec, previous: PartitionedTableSpec | null, intent: PlanInput["intent"], now: Date): Promise<PartitionPlan> {
    const candidates = [...explicitPartitions(spec), ...(rollingWindow(spec, now)?.partitions ?? [])].map((p) => p.name);
    const def = desiredDefaultPartition(spec);
    if (def) candidates.push(def);
    const catalog = await readCatalog(s, { schema: spec.schema, name: spec.name, candidates, probe: spec.columns });
    return planPartitionedTable({ desired: spec, previous, catalog, now, intent });
}

function previousSpec(olds: Props): PartitionedTableSpec | null {
    try {
        return olds.name === undefined ? null : specFromProps(olds, subjectOf(olds));
    } catch {
        // State written by an older shape of this resource: plan without it.
        return null;
    }
}

/** A table of another name or schema is a different resource: it is created, not updated. */
function intentOf(olds: Props, spec: PartitionedTableSpec): PlanInput["intent"] {
    return olds.name === spec.name && (olds.schema ?? "public") === spec.schema ? "update" : "create";
}

async function applyAndObserve(connection: string, spec: PartitionedTableSpec, previous: PartitionedTableSpec | null, intent: PlanInput["intent"]): Promise<PartitionedTableOutputs> {
    return withSession(connection, async (s) => {
        const plan = await planWith(s, spec, previous, intent, new Date());
        if (plan.refusals.length) throw new PartitionPlanRefusedError(`PartitionedTable ${tableId(spec)}`, plan.refusals);
        await applySteps(s, plan.steps);
        const catalog = await readCatalog(s, { schema: spec.schema, name: spec.name });
        // Nothing is pending once applied; the next preview then shows its plan against an empty one.
        return { ...(specProps(spec) as unknown as PartitionedTableSpec), connection, plan: [], applied: summarizePlan(plan), observed: observeCatalog(catalog) };
    });
}

export const partitionedTableHandlers = {
    async check(olds: Props, news: Props): Promise<pulumi.dynamic.CheckResult> {
        let spec: PartitionedTableSpec;
        try {
            spec = specFromProps(news, subjectOf(news));
        } catch (e) {
            if (e instanceof PgscaleValidationError) return { inputs: news, failures: e.issues.map((i) => failure(i.field, i.message)) };
            throw e;
        }
        const inputs: Props = { ...specProps(spec), connection: news.connection };
        const connection = news.connection;
        if (typeof connection !== "string" || connection === UNKNOWN) {
            inputs.plan = ["(the connection is not known yet: pgscale plans against the database when it is)"];
            return { inputs };
        }
        try {
            const plan = await withSession(connection, (s) => planWith(s, spec, previousSpec(olds), intentOf(olds, spec), new Date()));
            inputs.plan = summarizePlan(plan);
            return { inputs, failures: plan.refusals.map((r) => failure(r.field, r.reason)) };
        } catch (e) {
            // The probe names the column whose type or default the server rejected.
            if (e instanceof PgscaleSqlError && /^columns\[\d+\]: /.test(e.message)) {
                const [field, ...rest] = e.message.split(": ");
                return { inputs, failures: [failure(field, rest.join(": "))] };
            }
            throw e;
        }
    },

    async diff(_id: string, olds: Props, news: Props): Promise<pulumi.dynamic.DiffResult> {
        const pick = (p: Props) => Object.fromEntries(SPEC_KEYS.map((k) => [k, p[k]]));
        const replaces = (["schema", "name"] as const).filter((k) => olds[k] !== news[k]);
        const plan = Array.isArray(news.plan) ? (news.plan as string[]) : [];
        const pending = plan.some((line) => !line.startsWith("note: "));
        const changes = pending || olds.connection !== news.connection || stableJson(pick(olds)) !== stableJson(pick(news));
        return { changes: changes || replaces.length > 0, replaces, deleteBeforeReplace: false };
    },

    async create(inputs: Props): Promise<pulumi.dynamic.CreateResult> {
        const spec = specFromProps(inputs, subjectOf(inputs));
        const outs = await applyAndObserve(connectionOf(inputs), spec, null, "create");
        return { id: tableId(spec), outs };
    },

    async read(id: string, props: Props): Promise<pulumi.dynamic.ReadResult> {
        const spec = specFromProps(props, subjectOf(props));
        const catalog = await withSession(connectionOf(props), (s) => readCatalog(s, { schema: spec.schema, name: spec.name }));
        // Gone from the database: an empty id tells the engine, and refresh drops it from the stack.
        if (!catalog.table) return { id: "", props: {} };
        return { id, props: { ...props, observed: observeCatalog(catalog) } };
    },

    async update(_id: string, olds: Props, news: Props): Promise<pulumi.dynamic.UpdateResult> {
        const spec = specFromProps(news, subjectOf(news));
        return { outs: await applyAndObserve(connectionOf(news), spec, previousSpec(olds), "update") };
    },

    async delete(_id: string, props: Props): Promise<void> {
        const spec = specFromProps(props, subjectOf(props));
        if (spec.removalPolicy === "retain") return;
        await withSession(connectionOf(props), async (s) => {
            const catalog = await readCatalog(s, { schema: spec.schema, name: spec.name });
            await applySteps(s, planRemoval(spec, catalog).steps);
        });
    },
};
