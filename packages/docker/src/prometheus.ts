import * as fs from "fs";
import * as pulumi from "@pulumi/pulumi";
import * as docker from "@pulumi/docker";
import {
    AlertThresholdsInput, DISCOVERY_PORT, IssueCollector, PrometheusInput, PrometheusSpec, checkConstructName, parseSpec, prometheusSpec,
    renderAlertRules, renderDiscoveryProxyCfg, renderPrometheusConfig,
} from "@pgscale/core";
import { nodeImage } from "./images";
import { enginePrefix, pgscaleLabels } from "./naming";
import { prometheusImageServer } from "./prometheus-image";
import { NO_CAPABILITIES } from "./hardening";
import { checkDockerConfig } from "./engine/target";
import { Alertmanager } from "./alertmanager";

const CONFIG_DIR = "/etc/pgscale-prometheus";
const API_PORT = 9090;

/** The group owning the engine's socket here, or an issue naming `engineSocket`. */
function socketGroupOf(socket: string, issues: IssueCollector): number | undefined {
    try {
        return fs.statSync(socket).gid;
    } catch (e) {
        issues.add("engineSocket", `cannot read ${socket} on this machine (${(e as NodeJS.ErrnoException).code ?? e}): give the engine's socket, or its group as engineSocketGroup`);
        return undefined;
    }
}

export interface PrometheusArgs extends PrometheusInput {
    /** The network the stack's constructs share (an EtcdCluster's `network`): targets are scraped on it. */
    network: docker.Network;
    /** Alert thresholds and `for` durations, any subset; each default is documented on AlertThresholds and in docs/monitoring.md. */
    alerts?: AlertThresholdsInput;
    /** The stack's Alertmanager construct, sent every firing alert (besides any `alertmanagerUrls`). Default none. */
    alertmanager?: Alertmanager;
}

/**
 * Prometheus for a stack on Docker (docs/monitoring.md): it finds every target of this Pulumi
 * project and stack by its labels (exporters of PatroniCluster and PgBouncerPool with
 * `monitoring`, HAProxyFrontend's exporter, Patroni's /metrics on every member), evaluates
 * pgscale's alert rules, keeps samples for a bounded time and size in its own volume, and answers
 * on loopback. The engine's socket is read by a separate discovery proxy that lets only the
 * listing of containers through.
 */
export class Prometheus extends pulumi.ComponentResource {
    public readonly spec: PrometheusSpec;
    public readonly container: docker.Container;
    /** The discovery proxy (HAProxy in front of the engine's socket, read-only listing). */
    public readonly discovery: docker.Container;
    /** Prometheus's web UI and HTTP API on this machine, once it is ready. */
    public readonly url: pulumi.Output<string>;
    /** The alert rules it loads (Prometheus rule-file YAML). */
    public readonly rules: string;

    constructor(name: string, args: PrometheusArgs, opts?: pulumi.ComponentResourceOptions) {
        const { network, alerts, alertmanager, ...rest } = args;
        const subject = `Prometheus ${name}`;
        const issues = new IssueCollector();
        checkConstructName(issues, name);
        const spec = issues.run(() => parseSpec(prometheusSpec, rest, subject));
        const socketGroup = spec && (spec.engineSocketGroup ?? socketGroupOf(spec.engineSocket, issues));
        const rules = issues.run(() => renderAlertRules(alerts ?? {}));
        if (!(network instanceof docker.Network)) issues.add("network", "must be a docker.Network (e.g. an EtcdCluster's network)");
        if (alertmanager !== undefined && !(alertmanager instanceof Alertmanager)) issues.add("alertmanager", "must be an Alertmanager construct of @pgscale/docker (an existing one goes in alertmanagerUrls)");
        checkDockerConfig(issues);
        issues.throwIfAny(subject);
        super("pgscale:docker:Prometheus", name, {}, opts);
        this.spec = spec!;
        this.rules = rules!;
        const prefix = enginePrefix(name);

        const proxyImage = nodeImage(`${name}-discovery-image`, "haproxy", { images: this.spec.images }, this);
        this.discovery = new docker.Container(`${name}-discovery`, {
            name: `${prefix}-discovery`,
            image: proxyImage.imageId,
            hostname: `${name}-discovery`,
            // Not root: the image's user, in the socket's group, with no capabilities and nothing else mounted.
            user: "haproxy",
            groupAdds: [String(socketGroup)],
            capabilities: NO_CAPABILITIES,
            networksAdvanced: [{ name: network.name, aliases: [`${name}-discovery`] }],
            volumes: [{ hostPath: this.spec.engineSocket, containerPath: "/var/run/docker.sock", readOnly: true }],
            uploads: [{ file: `${CONFIG_DIR}/discovery.cfg`, content: renderDiscoveryProxyCfg("/var/run/docker.sock") }],
            command: ["haproxy", "-db", "-f", `${CONFIG_DIR}/discovery.cfg`],
            labels: pgscaleLabels(name, "prometheus-discovery"),
            restart: "unless-stopped",
        }, { parent: this, deleteBeforeReplace: true });

        const config = network.name.apply((net) => renderPrometheusConfig({
            project: pulumi.getProject(), stack: pulumi.getStack(), networks: [net],
            discoveryHost: `tcp://${name}-discovery:${DISCOVERY_PORT}`,
            scrapeIntervalSeconds: this.spec.scrapeIntervalSeconds,
            evaluationIntervalSeconds: this.spec.evaluationIntervalSeconds ?? this.spec.scrapeIntervalSeconds,
            alertmanagerUrls: [...this.spec.alertmanagerUrls, ...(alertmanager ? [alertmanager.networkUrl] : [])],
            rulesFile: `${CONFIG_DIR}/rules.yml`,
        }));
        const server = prometheusImageServer(name, {
            network, role: "prometheus", dataDir: "/prometheus", apiPort: API_PORT, spec: this.spec,
            uploads: [
                { file: `${CONFIG_DIR}/prometheus.yml`, content: config },
                { file: `${CONFIG_DIR}/rules.yml`, content: this.rules },
            ],
            command: [
                "prometheus", `--config.file=${CONFIG_DIR}/prometheus.yml`, "--storage.tsdb.path=/prometheus",
                `--storage.tsdb.retention.time=${this.spec.retentionTime}`, `--storage.tsdb.retention.size=${this.spec.retentionSizeMb}MB`,
                `--web.listen-address=:${API_PORT}`,
            ],
        }, { parent: this, dependsOn: [this.discovery, ...(alertmanager ? [alertmanager] : [])] });
        this.container = server.container;
        this.url = server.url;
        this.registerOutputs({ url: this.url });
    }
}
