import type * as pulumi from "@pulumi/pulumi";
import { PgscaleValidationError } from "@pgscale/core";

// What every dynamic provider of this package needs from the engine's wire format.

/** What the Pulumi engine sends for a value not known during preview. */
export const UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";

/** Pulumi check failures name a top-level property; the full field path goes into the reason. */
export function checkFailure(field: string, reason: string): pulumi.dynamic.CheckFailure {
    const property = /^[^.[]+/.exec(field)?.[0] ?? field;
    return { property, reason: field === property ? reason : `${field}: ${reason}` };
}

type Props = Record<string, unknown>;

/** The connection input of a call, or an error naming the resource when it is missing. */
export function connectionOf(props: Props, subject: string): string {
    if (typeof props.connection !== "string" || props.connection === "") throw new Error(`${subject}: the connection input is missing`);
    return props.connection;
}

/** The spec fields of `props` (the keys of the resource's zod shape), parsed and defaulted. */
export function specFrom<T>(props: Props, keys: readonly string[], parse: (input: unknown, subject: string) => T, subject: string): T {
    return parse(Object.fromEntries(keys.filter((k) => props[k] !== undefined).map((k) => [k, props[k]])), subject);
}

/**
 * Check's first half: the validated inputs and the connection to plan with, or what check returns
 * without planning: the validation failures, each naming its field, or a note when the connection
 * is not known yet (preview of a stack whose cluster does not exist yet).
 */
export function checkBeforePlan(news: Props, validate: () => Props): pulumi.dynamic.CheckResult | { inputs: Props; connection: string } {
    let inputs: Props;
    try {
        inputs = validate();
    } catch (e) {
        if (e instanceof PgscaleValidationError) return { inputs: news, failures: e.issues.map((i) => checkFailure(i.field, i.message)) };
        throw e;
    }
    if (typeof news.connection !== "string" || news.connection === UNKNOWN)
        return { inputs: { ...inputs, plan: ["(the connection is not known yet: pgscale plans against the server when it is)"] } };
    return { inputs, connection: news.connection };
}

/**
 * Outputs as the engine's wire format takes them (protobuf Structs: JSON-like values only). An
 * `undefined` nested in an object fails the whole call with "Unexpected struct type".
 */
export function wire<T>(value: T): T {
    return JSON.parse(JSON.stringify(value)) as T;
}
