import * as pulumi from "@pulumi/pulumi";
import * as docker from "@pulumi/docker";
import { ImagesSpec } from "@pgscale/core";
import { nodeImage } from "./images";
import { clientHost, enginePrefix, hostPort, pgscaleLabels, publish } from "./naming";
import { NO_CAPABILITIES } from "./hardening";

export interface PrometheusImageServer {
    container: docker.Container;
    /** The published API on this machine, once the server answers /-/ready. */
    url: pulumi.Output<string>;
}

/**
 * A server of the pgscale/prometheus image (Prometheus, Alertmanager) as the monitoring constructs
 * run it: the image's non-root user with no capabilities, on the stack network under the
 * component's name, its state in a volume `<name>-data` mounted at `dataDir` (a directory the image
 * gives its user, which a new volume takes as owner), its API published on `bindAddress`, and
 * handed out once it answers `/-/ready`. A changed file or command replaces the container; the
 * volume stays.
 */
export function prometheusImageServer(
    name: string,
    args: {
        network: docker.Network; role: string; dataDir: string; apiPort: number;
        spec: { image?: string; images?: ImagesSpec; bindAddress: string; port?: number };
        uploads: docker.types.input.ContainerUpload[]; command: string[];
    },
    opts: pulumi.CustomResourceOptions & { parent: pulumi.Resource },
): PrometheusImageServer {
    const prefix = enginePrefix(name);
    const volume = new docker.Volume(`${name}-data`, { name: `${prefix}-data`, labels: pgscaleLabels(name, `${args.role}-data`) }, { parent: opts.parent });
    const image = nodeImage(`${name}-image`, "prometheus", args.spec, opts.parent);
    const container = new docker.Container(name, {
        name: prefix,
        image: image.imageId,
        hostname: name,
        user: "prometheus",
        capabilities: NO_CAPABILITIES,
        networksAdvanced: [{ name: args.network.name, aliases: [name] }],
        volumes: [{ volumeName: volume.name, containerPath: args.dataDir }],
        uploads: args.uploads,
        command: args.command,
        ports: [publish(args.apiPort, args.spec.bindAddress, args.spec.port)],
        labels: pgscaleLabels(name, args.role),
        restart: "unless-stopped",
        healthcheck: { tests: ["CMD", "curl", "-fsS", "-o", "/dev/null", `http://127.0.0.1:${args.apiPort}/-/ready`], interval: "2s", timeout: "2s", retries: 30, startPeriod: "1s" },
        wait: true,
        waitTimeout: 120,
    }, { deleteBeforeReplace: true, ...opts });
    return { container, url: pulumi.interpolate`http://${clientHost(args.spec.bindAddress)}:${hostPort(container, args.apiPort)}` };
}
