import * as pulumi from "@pulumi/pulumi";
import * as docker from "@pulumi/docker";

/**
 * Docker container, network and volume names are global to the engine, so they carry the
 * project and stack: two stacks (or parallel test runs) with the same construct names never clash.
 */
export function enginePrefix(component: string): string {
    const raw = `${pulumi.getProject()}-${pulumi.getStack()}-${component}`;
    return raw.toLowerCase().replace(/[^a-z0-9_.-]+/g, "-").replace(/^-+/, "").slice(0, 100);
}

/** Labels on everything pgscale creates: `pgscale.stack` lets a crashed run's leftovers be found and reaped. */
export function pgscaleLabels(component: string, role: string): docker.types.input.ContainerLabel[] {
    return [
        { label: "pgscale.managed", value: "true" },
        { label: "pgscale.project", value: pulumi.getProject() },
        { label: "pgscale.stack", value: pulumi.getStack() },
        { label: "pgscale.component", value: component },
        { label: "pgscale.role", value: role },
    ];
}

/** The host port Docker assigned to `internal` (ports are published with no fixed external port by default). */
export function hostPort(container: docker.Container, internal: number): pulumi.Output<number> {
    return container.ports.apply((ports) => {
        const p = (ports ?? []).find((x) => x.internal === internal);
        if (p?.external) return p.external;
        // In a preview of a new container the engine has not assigned a port yet.
        if (pulumi.runtime.isDryRun()) return pulumi.unknown as unknown as number;
        throw new Error(`container port ${internal} is not published`);
    });
}

/**
 * The address clients on this machine use for a port bound to `bindAddress`: the wildcard
 * addresses are not destinations, so URIs name loopback instead; IPv6 goes in brackets.
 */
export function clientHost(bindAddress: string): string {
    if (bindAddress === "0.0.0.0") return "127.0.0.1";
    if (bindAddress === "::") return "[::1]";
    return bindAddress.includes(":") ? `[${bindAddress}]` : bindAddress;
}

export function publish(internal: number, bindAddress: string, external?: number): docker.types.input.ContainerPort {
    return external === undefined ? { internal, ip: bindAddress } : { internal, external, ip: bindAddress };
}
