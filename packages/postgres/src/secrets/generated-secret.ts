import * as pulumi from "@pulumi/pulumi";
import { PgscaleValidationError } from "@pgscale/core";
import { POSTGRES_PACKAGE, packageRequire } from "../own-package";

export interface GeneratedSecretArgs {
    /** Characters of the generated password. Default 32 (about 190 bits from [A-Za-z0-9]). */
    length?: number;
}

interface SecretOuts {
    length: number;
    value: string;
    scramVerifier: string;
}

// The provider is serialized into the state by Pulumi; it captures only where the package is, and
// loads @pgscale/core from there when a method runs (own-package.ts).
const load = packageRequire(POSTGRES_PACKAGE);
export const generatedSecretProvider: pulumi.dynamic.ResourceProvider = {
    async create(inputs: { length: number }) {
        const crypto = require("crypto");
        const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
        let value = "";
        // Rejection sampling keeps every character equally likely.
        while (value.length < inputs.length) {
            for (const b of crypto.randomBytes(inputs.length * 2) as Buffer) {
                if (b < 248 && value.length < inputs.length) value += alphabet[b % 62];
            }
        }
        const { scramSha256Verifier } = load("@pgscale/core") as typeof import("@pgscale/core");
        const scramVerifier = scramSha256Verifier(value);
        const outs: SecretOuts = { length: inputs.length, value, scramVerifier };
        return { id: crypto.randomUUID(), outs };
    },
    async diff(_id: string, olds: SecretOuts, news: { length: number }) {
        const replace = olds.length !== news.length;
        return { changes: replace, replaces: replace ? ["length"] : [] };
    },
};

/**
 * A random password generated once and kept in the state as a Pulumi secret, with its
 * SCRAM-SHA-256 verifier so servers and poolers can be given the verifier instead.
 * (pgscale cannot use @pulumi/random offline: it needs a provider plugin download.)
 */
export class GeneratedSecret extends pulumi.dynamic.Resource {
    public readonly value!: pulumi.Output<string>;
    public readonly scramVerifier!: pulumi.Output<string>;

    constructor(name: string, args: GeneratedSecretArgs = {}, opts?: pulumi.CustomResourceOptions) {
        const length = args.length ?? 32;
        if (!Number.isInteger(length) || length < 16 || length > 128) {
            throw new PgscaleValidationError(`GeneratedSecret ${name}`, [{ field: "length", message: `must be an integer from 16 to 128, got ${length}` }]);
        }
        super(generatedSecretProvider, name, { length, value: undefined, scramVerifier: undefined }, {
            ...opts,
            additionalSecretOutputs: ["value", "scramVerifier"],
        }, "pgscale", "GeneratedSecret");
    }
}
