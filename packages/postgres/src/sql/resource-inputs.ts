import * as pulumi from "@pulumi/pulumi";
import { PgscaleValidationError } from "@pgscale/core";

// What the access resources' constructors share: names given as Outputs are checked once known
// (in the provider's check), the connection is a secret input and output, and the outputs the
// provider fills start unknown.

/** A plain name to validate now, or a placeholder for one given as an Output (checked at preview). */
export function plainName(v: pulumi.Input<string> | undefined, placeholder = "pgscale_pending"): string | undefined {
    return typeof v === "string" || v === undefined ? v : placeholder;
}

export function checkAdoptExisting(subject: string, v: unknown): void {
    if (v !== undefined && typeof v !== "boolean") throw new PgscaleValidationError(subject, [{ field: "adoptExisting", message: "must be a boolean" }]);
}

/** The registered inputs: the validated spec, the raw Inputs that replace its placeholders, the connection as a secret. */
export function accessInputs(spec: object, inputs: Record<string, unknown>, connection: pulumi.Input<string>): pulumi.Inputs {
    return { ...JSON.parse(JSON.stringify(spec)), ...inputs, connection: pulumi.secret(connection), plan: undefined, applied: undefined, observed: undefined };
}

/** Keeps the echoed connection (and `more`) encrypted in the outputs too (pulumi/pulumi#3012). */
export function secretOutputs(opts: pulumi.CustomResourceOptions, more: string[] = []): pulumi.CustomResourceOptions {
    return { ...opts, additionalSecretOutputs: [...(opts.additionalSecretOutputs ?? []), "connection", ...more] };
}
