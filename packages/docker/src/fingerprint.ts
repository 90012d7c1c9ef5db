import { createHash } from "crypto";
import * as pulumi from "@pulumi/pulumi";
import { stableJson } from "@pgscale/core";

/**
 * What the docker provider does when a container input changes (terraform-provider-docker's
 * schema: ForceNew replaces; its Update applies only restart, max_retry_count and memory; the rest
 * is recorded and the running container keeps the old value, healthcheck included). A rolling gate
 * must run exactly when the provider replaces, so every input a construct sets must be listed.
 * The stand-in's README has the sources; fingerprint.test.ts checks this table against the stand-in.
 */
export const CONTAINER_INPUT_CHANGE = {
    image: "replace", name: "replace", hostname: "replace", user: "replace", command: "replace",
    entrypoints: "replace", envs: "replace", uploads: "replace", networksAdvanced: "replace",
    volumes: "replace", ports: "replace", shmSize: "replace", dnsOpts: "replace", labels: "replace",
    stopSignal: "replace", stopTimeout: "replace", capabilities: "replace", groupAdds: "replace",
    restart: "update", maxRetryCount: "update", memory: "update", memorySwap: "update",
    healthcheck: "state", init: "state", tmpfs: "state", wait: "state", waitTimeout: "state",
    mustRun: "state", removeVolumes: "state", destroyGraceSeconds: "state",
} as const satisfies Record<string, "replace" | "update" | "state">;

/** Fingerprint of the container inputs whose change replaces the container, and only those. */
export function replacementFingerprint(args: object): pulumi.Output<string> {
    const table: Record<string, string> = CONTAINER_INPUT_CHANGE;
    const unknown = Object.keys(args).filter((k) => !(k in table));
    if (unknown.length) {
        // A gate that misses a replacement would replace the leader without a switchover.
        throw new Error(`replacementFingerprint: container input(s) ${unknown.join(", ")} not classified in CONTAINER_INPUT_CHANGE`);
    }
    const relevant = Object.fromEntries(Object.entries(args).filter(([k]) => table[k] === "replace"));
    // A digest of the inputs (which include secret files) reveals none of them; plain, it keeps the plan readable.
    return pulumi.unsecret(pulumi.output(relevant).apply((v) => createHash("sha256").update(stableJson(v)).digest("hex").slice(0, 16)));
}

