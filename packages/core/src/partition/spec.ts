import { z } from "zod";
import { parseSpec, withRules } from "../validation";
import { expressionProblem, identifierProblem, typeNameProblem } from "../sql";
import { parseInterval } from "./interval";
import { partitionedTableIssues } from "./rules";

// The inputs of PartitionedTable. Strict objects: a misspelt option is an error,
// not a silently ignored default. Cross-field rules live in ./rules.

const refineWith = (problem: (v: string) => string | null) => (v: string, ctx: z.core.$RefinementCtx<string>) => {
    const p = problem(v);
    if (p) ctx.addIssue({ code: "custom", message: p });
};

/** Any name PostgreSQL can store; pgscale always quotes it. */
export const identifier = z.string().superRefine(refineWith(identifierProblem));
const sqlType = z.string().superRefine(refineWith(typeNameProblem));
const sqlExpression = z.string().superRefine(refineWith(expressionProblem));
const intervalText = z.string().superRefine(refineWith((v) => (parseInterval(v) ? null : 'must be an interval such as "1 day", "1 week", "1 month", "3 months", "1 year" or "6 hours"')));

/** A partition key value: a string literal (dates and timestamps in ISO 8601) or a finite number. */
export const keyValue = z.union([z.string(), z.number().refine(Number.isFinite, "must be a finite number")]);
/** One value per key column; a bare value for single-column keys. */
const boundValue = z.union([keyValue, z.array(keyValue).min(1)]);

export const columnSpec = z.strictObject({
    name: identifier,
    type: sqlType,
    notNull: z.boolean().default(false),
    /** An SQL expression, e.g. "now()" or "'new'". */
    default: sqlExpression.optional(),
    identity: z.enum(["always", "by default"]).optional(),
});
export type ColumnSpec = z.output<typeof columnSpec>;

/**
 * One entry of `partitions`; which fields apply depends on the strategy:
 * range `{ name, from, to }` (from inclusive, to exclusive), list `{ name, values }`,
 * hash `{ modulus }` (all remainders, named table_0..table_N-1) or `{ name, modulus, remainder }`.
 */
export const partitionEntrySpec = z.strictObject({
    name: identifier.optional(),
    from: boundValue.optional(),
    to: boundValue.optional(),
    values: z.array(keyValue).min(1).optional(),
    modulus: z.number().int().min(1).optional(),
    remainder: z.number().int().min(0).optional(),
});
export type PartitionEntrySpec = z.output<typeof partitionEntrySpec>;

export const partitionBySpec = z.discriminatedUnion("strategy", [
    z.strictObject({
        strategy: z.literal("range"),
        columns: z.array(identifier).min(1),
        /** Declared ranges must tile without gaps (overlaps are always an error). */
        contiguous: z.boolean().default(false),
    }),
    z.strictObject({ strategy: z.literal("list"), columns: z.array(identifier).length(1, "list partitioning takes exactly one column") }),
    z.strictObject({ strategy: z.literal("hash"), columns: z.array(identifier).min(1) }),
]);
export type PartitionBySpec = z.output<typeof partitionBySpec>;

export const indexSpec = z.strictObject({
    columns: z.array(identifier).min(1),
    /** Default: table_col1_col2_idx. */
    name: identifier.optional(),
    unique: z.boolean().default(false),
    method: z.enum(["btree", "hash", "brin", "gin", "gist"]).default("btree"),
});
export type IndexSpec = z.output<typeof indexSpec>;

/** The declarative form of pg_partman: each `pulumi up` creates, detaches or drops partitions for the window around now. */
export const rollingSpec = z.strictObject({
    interval: intervalText,
    /** Partitions kept ready after the current one. */
    premake: z.number().int().min(0).max(10_000).default(4),
    /** Partitions whose whole range is older than now - retention expire. Default: never. */
    retention: intervalText.optional(),
    onExpire: z.enum(["detach", "drop"]).default("detach"),
});
export type RollingSpec = z.output<typeof rollingSpec>;

/** pg_partman owns the partitions: create_parent once, run_maintenance on a schedule (pg_cron when the server has it). */
export const maintenanceSpec = z.strictObject({
    engine: z.literal("pg_partman"),
    /** "1 day", "1 month", ... for time keys; a positive integer for integer keys. */
    interval: z.union([z.string(), z.number().int().positive()]),
    premake: z.number().int().min(1).max(10_000).default(4),
    retention: z.union([z.string(), z.number().int().positive()]).optional(),
    onExpire: z.enum(["detach", "drop"]).default("detach"),
    /** pg_cron schedule of run_maintenance. Default hourly. */
    schedule: z.string().regex(/^[0-9*/,-]+(\s+[0-9*/,-]+){4}$/, "must be a five-field cron schedule such as '0 * * * *'").default("0 * * * *"),
});
export type MaintenanceSpec = z.output<typeof maintenanceSpec>;

/** Each flag allows one kind of step that deletes rows; none is on by default. */
export const dataLossSpec = z.strictObject({
    /** Partitions (and a default partition) removed from the spec are dropped instead of detached. */
    dropRemovedPartitions: z.boolean().default(false),
    /** Columns removed from the spec are dropped. */
    dropRemovedColumns: z.boolean().default(false),
    /** A change of strategy or key columns drops the table with its rows and creates it anew. */
    recreateOnKeyChange: z.boolean().default(false),
});
export type DataLossSpec = z.output<typeof dataLossSpec>;

/** The fields alone; `partitionedTableSpec` adds the cross-field rules. */
export const partitionedTableFields = z.strictObject({
    schema: identifier.default("public"),
    name: identifier,
    columns: z.array(columnSpec).min(1),
    primaryKey: z.array(identifier).min(1).optional(),
    partitionBy: partitionBySpec,
    partitions: z.array(partitionEntrySpec).default([]),
    /** true: a default partition named table_default; or `{ name }`. */
    defaultPartition: z.union([z.boolean(), z.strictObject({ name: identifier })]).default(false),
    indexes: z.array(indexSpec).default([]),
    rolling: rollingSpec.optional(),
    maintenance: maintenanceSpec.optional(),
    /** What deleting the resource does to the table: keep it (default) or drop it. */
    removalPolicy: z.enum(["retain", "destroy"]).default("retain"),
    dataLoss: dataLossSpec.default({ dropRemovedPartitions: false, dropRemovedColumns: false, recreateOnKeyChange: false }),
    /** Manage a table that already exists (the `pulumi import` of this resource); its partitions must be in the spec. */
    adoptExisting: z.boolean().default(false),
});

export type PartitionedTableInput = z.input<typeof partitionedTableFields>;
export type PartitionedTableSpec = z.output<typeof partitionedTableFields>;

export const partitionedTableSpec = withRules(partitionedTableFields, partitionedTableIssues);

/** Validates PartitionedTable inputs; throws PgscaleValidationError naming every bad field. */
export function parsePartitionedTable(input: unknown, subject: string): PartitionedTableSpec {
    return parseSpec(partitionedTableSpec, input, subject);
}
