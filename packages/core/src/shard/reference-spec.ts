import { z } from "zod";
import { columnSpec, identifier } from "../partition/spec";

// One reference table of a ShardedTable: the coordinator holds the table of record and
// every shard a read-only copy kept current by logical replication (./reference.ts).

const NO_KEY = "a reference table needs a primary key: logical replication identifies each updated or deleted row by it";

export const referenceTableSpec = z.strictObject({
    /** In the sharded table's schema, on the coordinator and on every shard. */
    name: identifier,
    /** As for the sharded table (`{ name, type, notNull = false, default?, identity? }`). */
    columns: z.array(columnSpec).min(1),
    /** Required: the replica identity of every change the shards apply. */
    primaryKey: z.array(identifier, { error: (i) => (i.input === undefined ? NO_KEY : undefined) }).min(1, NO_KEY),
});
export type ReferenceTableInput = z.input<typeof referenceTableSpec>;
export type ReferenceTableSpec = z.output<typeof referenceTableSpec>;
