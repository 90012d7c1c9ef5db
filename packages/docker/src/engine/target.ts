import * as pulumi from "@pulumi/pulumi";
import * as docker from "@pulumi/docker";
import { IssueCollector } from "@pgscale/core";

// Which Docker engine a construct's containers land on, so pgscale's own dynamic providers act on
// the same one: the docker provider given to the construct (`provider`/`providers`, or inherited
// from a parent), else the stack's `docker:host`, else DOCKER_HOST (what the provider uses too).

/** Docker provider settings pgscale's engine client cannot follow. */
const UNFOLLOWED = ["context", "certPath", "caMaterial", "certMaterial", "keyMaterial", "sshOpts"] as const;

export interface EngineTarget {
    host: pulumi.Output<string | undefined>;
    /** Where the host comes from, for messages. */
    hostField: string;
    /** Unfollowable settings of an explicit provider (known only at deployment). */
    unsupported: pulumi.Output<string[]>;
}

/** Before registering anything: settings of the stack's default docker provider that pgscale cannot follow. */
export function checkDockerConfig(issues: IssueCollector): void {
    const config = new pulumi.Config("docker");
    for (const key of UNFOLLOWED) {
        if (config.get(key) !== undefined) {
            issues.add(`docker:${key}`, "pgscale's dynamic providers (rolling gates, HAProxy reload) must act on the engine the containers run on and reach it only through a plain `docker:host` (unix:///path or tcp://127.0.0.1:port); unset it or use such a host");
        }
    }
}

/** The engine of `component`'s containers; call after `super()` so the component's providers are known. */
export function engineTarget(component: pulumi.Resource): EngineTarget {
    const provider = component.getProvider("docker:index/container:Container") as docker.Provider | undefined;
    if (provider && provider instanceof docker.Provider) {
        const p = provider as unknown as Record<string, pulumi.Output<unknown> | undefined>;
        const given = (v: unknown) => !(v === undefined || v === null || v === "" || (Array.isArray(v) && v.length === 0));
        const set = UNFOLLOWED.map((k) => pulumi.output(p[k] as pulumi.Input<string | undefined>).apply((v): string[] => (given(v) ? [k] : [])));
        return {
            host: provider.host,
            hostField: "the `host` of the docker provider given to it",
            unsupported: pulumi.all(set).apply((xs) => xs.flat()),
        };
    }
    return { host: pulumi.output(new pulumi.Config("docker").get("host")), hostField: "docker:host", unsupported: pulumi.output([]) };
}
