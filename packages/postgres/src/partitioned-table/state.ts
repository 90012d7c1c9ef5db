import { parsePartitionedTable, partitionedTableFields, type ObservedTable, type PartitionedTableSpec } from "@pgscale/core";

// The resource's properties. Inputs: the spec fields (defaults filled), the
// connection (secret) and `plan`, the steps check computed for preview.
// Outputs add `observed` (the catalog as read) and `applied` (the steps the last
// create/update ran); their `plan` is empty, as nothing is pending after an apply.

export const SPEC_KEYS = Object.keys(partitionedTableFields.shape) as (keyof PartitionedTableSpec)[];


export interface PartitionedTableOutputs extends PartitionedTableSpec {
    connection: string;
    plan: string[];
    applied: string[];
    observed: ObservedTable;
}

export function specFromProps(props: Record<string, unknown>, subject: string): PartitionedTableSpec {
    const picked: Record<string, unknown> = {};
    for (const k of SPEC_KEYS) if (props[k] !== undefined) picked[k] = props[k];
    return parsePartitionedTable(picked, subject);
}

/** The spec as plain data (no undefined members), the form it takes in state. */
export function specProps(spec: PartitionedTableSpec): Record<string, unknown> {
    return JSON.parse(JSON.stringify(spec)) as Record<string, unknown>;
}

export function connectionOf(props: Record<string, unknown>): string {
    const c = props.connection;
    if (typeof c !== "string" || c === "") throw new Error("PartitionedTable: the connection input is missing");
    return c;
}
