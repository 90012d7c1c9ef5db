import * as pulumi from "@pulumi/pulumi";
import * as docker from "@pulumi/docker";
import {
    ALERTMANAGER_PORT, AlertmanagerInput, AlertmanagerSpec, IssueCollector, alertmanagerCommand, alertmanagerSpec, checkConstructName, parseSpec,
    renderAlertmanagerConfig,
} from "@pgscale/core";
import { checkDockerConfig } from "./engine/target";
import { prometheusImageServer } from "./prometheus-image";

const CONFIG_FILE = "/etc/pgscale-alertmanager/alertmanager.yml";
// Debian's own storage path, owned by the image's prometheus user: a new volume mounted there takes
// that owner (one mounted on a path the image lacks would be root's, and Alertmanager could not write).
const DATA_DIR = "/var/lib/prometheus/alertmanager";

export interface AlertmanagerArgs extends AlertmanagerInput {
    /** The network the stack's constructs share (an EtcdCluster's `network`): Prometheus sends alerts over it, and webhooks on it are reachable. */
    network: docker.Network;
}

/**
 * Alertmanager for a stack on Docker (docs/monitoring.md, "Alertmanager"): give it to the stack's
 * Prometheus (`alertmanager`), and it groups the alerts by alert and cluster and posts them to the
 * `webhookUrls`. Silences and the notification log are kept in its own volume; the UI and API answer
 * on loopback.
 */
export class Alertmanager extends pulumi.ComponentResource {
    public readonly spec: AlertmanagerSpec;
    public readonly container: docker.Container;
    /** The UI and API on this machine (`/api/v2/alerts`), once Alertmanager is ready. */
    public readonly url: pulumi.Output<string>;
    /** Where Prometheus on the stack network sends alerts (`http://<name>:9093`). */
    public readonly networkUrl: string;

    constructor(name: string, args: AlertmanagerArgs, opts?: pulumi.ComponentResourceOptions) {
        const { network, ...rest } = args;
        const subject = `Alertmanager ${name}`;
        const issues = new IssueCollector();
        checkConstructName(issues, name);
        const spec = issues.run(() => parseSpec(alertmanagerSpec, rest, subject));
        if (!(network instanceof docker.Network)) issues.add("network", "must be a docker.Network (e.g. an EtcdCluster's network)");
        checkDockerConfig(issues);
        issues.throwIfAny(subject);
        super("pgscale:docker:Alertmanager", name, {}, opts);
        this.spec = spec!;
        this.networkUrl = `http://${name}:${ALERTMANAGER_PORT}`;

        const server = prometheusImageServer(name, {
            network, role: "alertmanager", dataDir: DATA_DIR, apiPort: ALERTMANAGER_PORT, spec: this.spec,
            // Webhook URLs may carry tokens: a secret in the state. Uploads are root's, so the file must be
            // world-readable for Alertmanager's user; nothing else runs in the container.
            uploads: [{ file: CONFIG_FILE, content: pulumi.secret(renderAlertmanagerConfig(this.spec)), permissions: "0644" }],
            command: alertmanagerCommand(this.spec, CONFIG_FILE, DATA_DIR),
        }, { parent: this });
        this.container = server.container;
        this.url = server.url;
        this.registerOutputs({ url: this.url });
    }
}
