// Where a secret must never appear: the stack's stored state (encrypted secrets only), each
// container's environment, labels, full engine metadata and logs. Used by the security e2e and by
// every suite whose stack holds a secret of its own (S3 keys, passphrases).
import { spawnSync } from "child_process";
import { Stack } from "@pulumi/pulumi/automation";
import { docker, storedState } from "./stack";

/** stdout and stderr of a container, as `docker logs` shows them. */
export function containerLogs(container: string): string {
    const r = spawnSync("docker", ["logs", container], { encoding: "utf8", maxBuffer: 64 * 1024 * 1024 });
    if (r.status !== 0) throw new Error(`docker logs ${container}: ${r.stderr}`);
    return r.stdout + r.stderr;
}

/** The places to search, each as [where, text]: the stored state, then each container's metadata and logs. */
export function secretPlaces(stack: Stack, containers: string[]): Array<[string, string]> {
    const state = storedState(stack);
    const places: Array<[string, string]> = [["pulumi stack export", state]];
    for (const c of containers) {
        const info = JSON.parse(docker("inspect", c))[0];
        places.push([`${c} environment`, JSON.stringify(info.Config.Env ?? [])], [`${c} labels`, JSON.stringify(info.Config.Labels ?? {})]);
        places.push([`docker inspect ${c}`, JSON.stringify(info)], [`${c} logs`, containerLogs(c)]);
    }
    return places;
}

/** "<secret name> in <place>" for every secret found in a place; empty when nothing leaked. */
export function leaks(secrets: Record<string, string>, places: Array<[string, string]>): string[] {
    const found: string[] = [];
    for (const [what, value] of Object.entries(secrets)) {
        for (const [where, text] of places) if (text.includes(value)) found.push(`${what} in ${where}`);
    }
    return found;
}
