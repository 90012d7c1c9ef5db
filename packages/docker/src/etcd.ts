import * as pulumi from "@pulumi/pulumi";
import * as docker from "@pulumi/docker";
import { IssueCollector, checkConstructName, resolveEtcdCluster, EtcdClusterInput, EtcdClusterOutputs, EtcdClusterSpec } from "@pgscale/core";
import { nodeImage } from "./images";
import { enginePrefix, pgscaleLabels, publish } from "./naming";
import { NO_CAPABILITIES } from "./hardening";
import { DockerPreflight } from "./engine/preflight";
import { checkDockerConfig, engineTarget } from "./engine/target";

/** Options are the shared spec's (@pgscale/core `etcdClusterSpec`), plus the network to join. */
export interface EtcdClusterArgs extends EtcdClusterInput {
    /** Network to join. Default: a new bridge network that the whole topology shares. */
    network?: docker.Network;
    /** Use Docker volumes of the members' data-volume names that already exist (with their old etcd data) instead of refusing. Default false. */
    adoptExistingVolumes?: boolean;
}

/** An etcd v3 cluster used as Patroni's DCS (PLAYBOOK "Patroni Architecture", `etcd3.hosts`). */
export class EtcdCluster extends pulumi.ComponentResource implements EtcdClusterOutputs {
    /** Network the members are on; PatroniCluster joins it by default. */
    public readonly network: docker.Network;
    /** `host:port` client endpoints as seen from the network. */
    public readonly clientEndpoints: string[];
    public readonly containers: docker.Container[];
    public readonly spec: EtcdClusterSpec;

    constructor(name: string, args: EtcdClusterArgs = {}, opts?: pulumi.ComponentResourceOptions) {
        const { network, adoptExistingVolumes, ...rest } = args;
        const subject = `EtcdCluster ${name}`;
        // Validate before registering anything, so bad input touches nothing.
        const issues = new IssueCollector();
        checkConstructName(issues, name);
        const resolved = issues.run(() => resolveEtcdCluster(rest, subject));
        if (adoptExistingVolumes !== undefined && typeof adoptExistingVolumes !== "boolean") issues.add("adoptExistingVolumes", "must be a boolean");
        checkDockerConfig(issues);
        issues.throwIfAny(subject);
        const { spec, warnings } = resolved!;
        super("pgscale:docker:EtcdCluster", name, {}, opts);
        warnings.forEach((w) => pulumi.log.warn(w, this));
        this.spec = spec;

        const prefix = enginePrefix(name);
        const engine = engineTarget(this);
        const preflight = new DockerPreflight(`${name}-preflight`, {
            subject, dockerHost: engine.host, hostField: engine.hostField, unsupported: engine.unsupported,
            volumes: Array.from({ length: spec.members }, (_, i) => `${prefix}-${i}-data`), adoptExistingVolumes: adoptExistingVolumes ?? false,
        }, { parent: this });
        this.network = network ?? new docker.Network(`${name}-net`, {
            name: `${prefix}-net`,
            driver: "bridge",
            labels: pgscaleLabels(name, "network"),
        }, { parent: this, dependsOn: [preflight] });
        const image = nodeImage(`${name}-image`, "etcd", spec, this, [preflight]);

        const memberNames = Array.from({ length: spec.members }, (_, i) => `${name}-${i}`);
        const initialCluster = memberNames.map((m) => `${m}=http://${m}:2380`).join(",");
        this.clientEndpoints = memberNames.map((m) => `${m}:2379`);
        this.containers = memberNames.map((member, i) => {
            const volume = new docker.Volume(`${member}-data`, {
                name: `${prefix}-${i}-data`,
                labels: pgscaleLabels(name, "etcd-data"),
            }, { parent: this, dependsOn: [preflight] });
            return new docker.Container(member, {
                name: `${prefix}-${i}`,
                image: image.imageId,
                hostname: member,
                user: "etcd",
                capabilities: NO_CAPABILITIES,
                command: [
                    "etcd", "--name", member, "--data-dir", "/var/lib/etcd/data",
                    "--listen-client-urls", "http://0.0.0.0:2379", "--advertise-client-urls", `http://${member}:2379`,
                    "--listen-peer-urls", "http://0.0.0.0:2380", "--initial-advertise-peer-urls", `http://${member}:2380`,
                    "--initial-cluster", initialCluster, "--initial-cluster-state", "new",
                    "--initial-cluster-token", prefix,
                ],
                networksAdvanced: [{ name: this.network.name, aliases: [member] }],
                volumes: [{ volumeName: volume.name, containerPath: "/var/lib/etcd" }],
                ports: i === 0 && spec.clientPort !== undefined ? [publish(2379, "127.0.0.1", spec.clientPort)] : [],
                labels: pgscaleLabels(name, "etcd"),
                restart: "unless-stopped",
                healthcheck: {
                    tests: ["CMD", "etcdctl", "--endpoints=http://127.0.0.1:2379", "endpoint", "health"],
                    interval: "2s", timeout: "2s", retries: 30, startPeriod: "1s",
                },
                // The name is fixed, so a replacement must remove the old container first; the
                // member's data volume stays and it rejoins with its identity.
            }, { parent: this, dependsOn: [preflight], deleteBeforeReplace: true });
        });
        this.registerOutputs({ clientEndpoints: this.clientEndpoints });
    }
}
