import { createHash } from "crypto";
import * as pulumi from "@pulumi/pulumi";
import { stableJson } from "@pgscale/core";

/** Fingerprint of the container inputs whose change replaces the container (not those Docker updates in place). */
export function replacementFingerprint(args: object): pulumi.Output<string> {
    const inPlace = new Set(["restart", "maxRetryCount", "memory", "memorySwap", "wait", "waitTimeout", "mustRun", "removeVolumes", "destroyGraceSeconds"]);
    const relevant = Object.fromEntries(Object.entries(args).filter(([k]) => !inPlace.has(k)));
    // A digest of the inputs (which include secret files) reveals none of them; plain, it keeps the plan readable.
    return pulumi.unsecret(pulumi.output(relevant).apply((v) => createHash("sha256").update(stableJson(v)).digest("hex").slice(0, 16)));
}

