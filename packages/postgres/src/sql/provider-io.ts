import type * as pulumi from "@pulumi/pulumi";

// What every dynamic provider of this package needs from the engine's wire format.

/** What the Pulumi engine sends for a value not known during preview. */
export const UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";

/** Pulumi check failures name a top-level property; the full field path goes into the reason. */
export function checkFailure(field: string, reason: string): pulumi.dynamic.CheckFailure {
    const property = /^[^.[]+/.exec(field)?.[0] ?? field;
    return { property, reason: field === property ? reason : `${field}: ${reason}` };
}
