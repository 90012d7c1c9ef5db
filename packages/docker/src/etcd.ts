import * as pulumi from "@pulumi/pulumi";
import * as docker from "@pulumi/docker";
import {
    DEFAULT_RENEW_BEFORE_FRACTION, DEFAULT_TLS_LIFETIME_DAYS, ETCD_CLIENT_PORT, ETCD_TLS_DIR, IssueCollector, checkConstructName, etcdHandOffPreference, etcdHealthProbe, etcdMemberCommand, resolveEtcdCluster,
    EtcdClusterInput, EtcdClusterOutputs, EtcdClusterSpec,
} from "@pgscale/core";
import { FirstValue, GeneratedSecret, GeneratedTls } from "@pgscale/postgres";
import { CertificateDelivery } from "./tls-delivery/cert-delivery";
import { EtcdAuth } from "./etcd-auth";
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

/**
 * An etcd v3 cluster used as Patroni's DCS (PLAYBOOK "Patroni Architecture", `etcd3.hosts`).
 *
 * Locked by default (docs/security.md "The control plane"): TLS on client and peer URLs with a CA
 * generated for the cluster (peers present their certificates), and authentication with a generated
 * `root` and one user per PatroniCluster whose role reaches only its scope's keys. A container on
 * the network without credentials can neither read nor write Patroni's keys.
 */
export class EtcdCluster extends pulumi.ComponentResource implements EtcdClusterOutputs {
    /** Network the members are on; PatroniCluster joins it by default. */
    public readonly network: docker.Network;
    /** `host:port` client endpoints as seen from the network. */
    public readonly clientEndpoints: string[];
    public readonly containers: docker.Container[];
    public readonly spec: EtcdClusterSpec;
    /** The members' container names (engine names), for tools that act inside a member. */
    public readonly containerNames: string[];
    /** With `tls` (the default): what clients verify the members with (PEM): the CA, and its predecessor for one rotation; else undefined. */
    public readonly tlsCaPem: pulumi.Output<string | undefined>;
    /**
     * With `tls`: the CA the cluster was created with (PEM), which never changes. What a client
     * container's `uploads` carry, so a rotation replaces no container; the client's
     * CertificateDelivery keeps the file equal to `tlsCaPem` in place. Else undefined.
     */
    public readonly tlsCaPemAtCreation: pulumi.Output<string | undefined>;
    /** With `auth` (the default): etcd's `root` password (secret); else undefined. */
    public readonly rootPassword: pulumi.Output<string | undefined>;
    /** With `auth`: done once authentication is on; Patroni members start after it. Else the members. */
    public readonly ready: pulumi.Resource[];
    /**
     * The members running, authentication on or not yet: PatroniClusters create their scope's etcd
     * user after these, beside the EtcdAuth that turns auth on. A new member starts with its
     * certificates (uploaded at creation), so neither waits for its delivery, which only rewrites
     * the same files then.
     */
    public readonly serving: pulumi.Resource[];
    /** With `tls`: each member's CertificateDelivery (`<member>-tls-files`), in order. */
    public readonly tlsDeliveries: pulumi.Resource[];

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
        const memberNames = Array.from({ length: spec.members }, (_, i) => `${name}-${i}`);
        this.containerNames = memberNames.map((_, i) => `${prefix}-${i}`);
        const preflight = new DockerPreflight(`${name}-preflight`, {
            subject, dockerHost: engine.host, hostField: engine.hostField, unsupported: engine.unsupported,
            volumes: Array.from({ length: spec.members }, (_, i) => `${prefix}-${i}-data`), adoptExistingVolumes: adoptExistingVolumes ?? false,
            // Members keep their peer URLs in their data: a running cluster cannot switch scheme by
            // replacing its containers, so the preflight refuses a change of tls/auth.
            etcdSecurity: { tls: spec.tls, auth: spec.auth },
        }, { parent: this });
        this.network = network ?? new docker.Network(`${name}-net`, {
            name: `${prefix}-net`,
            driver: "bridge",
            labels: pgscaleLabels(name, "network"),
        }, { parent: this, dependsOn: [preflight] });
        const image = nodeImage(`${name}-image`, "etcd", spec, this, [preflight]);

        // Each member's certificate serves clients and identifies it to its peers. It renews, and the
        // CA rotates, by PatroniCluster's rule (tls.renewBeforeFraction, tls.caGeneration).
        const certificates = spec.certificates;
        const tls = spec.tls ? new GeneratedTls(`${name}-tls`, {
            servers: Object.fromEntries(memberNames.map((m, i) => [m, {
                dnsNames: [m, this.containerNames[i], "localhost"], ipAddresses: ["127.0.0.1"], clientAuth: true,
                validDays: certificates.lifetimeDays ?? DEFAULT_TLS_LIFETIME_DAYS,
            }])),
            renewBeforeFraction: certificates.renewBeforeFraction ?? DEFAULT_RENEW_BEFORE_FRACTION,
            caGeneration: certificates.caGeneration ?? 0,
        }, { parent: this, dependsOn: [preflight] }) : undefined;
        this.tlsCaPem = tls ? tls.trustBundlePem : pulumi.output(undefined);
        this.tlsCaPemAtCreation = tls
            ? new FirstValue<string>(`${name}-tls-ca-at-creation`, { value: tls.caCertPem }, { parent: this }).value
            : pulumi.output(undefined);
        const root = spec.auth ? new GeneratedSecret(`${name}-root-password`, {}, { parent: this }) : undefined;
        this.rootPassword = root ? root.value : pulumi.output(undefined);

        this.clientEndpoints = memberNames.map((m) => `${m}:${ETCD_CLIENT_PORT}`);
        this.containers = memberNames.map((member, i) => {
            const volume = new docker.Volume(`${member}-data`, {
                name: `${prefix}-${i}-data`,
                labels: pgscaleLabels(name, "etcd-data"),
            }, { parent: this, dependsOn: [preflight] });
            return new docker.Container(member, {
                name: this.containerNames[i],
                image: image.imageId,
                hostname: member,
                user: "etcd",
                capabilities: NO_CAPABILITIES,
                command: etcdMemberCommand({
                    name: member, advertiseHost: member, token: prefix, tls: spec.tls,
                    initialCluster: memberNames.map((m) => ({ name: m, host: m })),
                }),
                networksAdvanced: [{ name: this.network.name, aliases: [member] }],
                volumes: [{ volumeName: volume.name, containerPath: "/var/lib/etcd" }],
                // Uploads are root's; etcd (unlike PostgreSQL) reads a key others may read, and the
                // container runs etcd alone. The files the member starts with; its delivery below
                // keeps them current (renewals and rotations change no container input).
                uploads: tls ? [
                    { file: `${ETCD_TLS_DIR}/member.crt`, content: tls.certs.apply((c) => c[member].certPem), permissions: "0644" },
                    { file: `${ETCD_TLS_DIR}/member.key`, content: pulumi.secret(tls.certs.apply((c) => c[member].keyPem)), permissions: "0644" },
                    { file: `${ETCD_TLS_DIR}/ca.crt`, content: tls.caCertPem, permissions: "0644" },
                ] : [],
                ports: i === 0 && spec.clientPort !== undefined ? [publish(ETCD_CLIENT_PORT, "127.0.0.1", spec.clientPort)] : [],
                labels: pgscaleLabels(name, "etcd"),
                restart: "unless-stopped",
                healthcheck: { tests: etcdHealthProbe(spec.tls), interval: "2s", timeout: "2s", retries: 30, startPeriod: "1s" },
                // The name is fixed, so a replacement must remove the old container first; the
                // member's data volume stays and it rejoins with its identity.
            }, { parent: this, dependsOn: [preflight], deleteBeforeReplace: true, ...(tls ? { ignoreChanges: ["uploads"] } : {}) });
        });
        // The current certificate, key and trust bundle, written in place by root (the uploads' owner).
        // etcd reads its certificate and key on every new handshake, but its peers' CA only when it
        // starts: after a rotation each member restarts, one after another, healthy before the next
        // (a single member has no peers, and no restart), never while it leads etcd, and by a kill
        // (@pgscale/core etcd-restart.ts: etcd's graceful stop answers Patroni with errors it does not
        // retry, which cost a primary its leader key). A member replaced for another reason
        // starts with the files it was created with; its delivery brings them current.
        let previous: pulumi.Resource | undefined;
        this.tlsDeliveries = tls ? memberNames.map((member, i) => {
            const pair = tls.certs.apply((c) => c[member]);
            previous = new CertificateDelivery(`${member}-tls-files`, {
                containerId: this.containers[i].id, dockerHost: engine.host, user: "root", dir: ETCD_TLS_DIR,
                names: { cert: "member.crt", key: "member.key", ca: "ca.crt" }, keyReadableByAll: true,
                certPem: pair.apply((c) => c.certPem), keyPem: pair.apply((c) => c.keyPem), caPem: tls.trustBundlePem,
                reload: ":", serves: [], restartOnNewCa: spec.members > 1, timeoutSeconds: 60,
                // A leader hands its leadership over first, to a member restarted before it if any,
                // and the member is killed rather than stopped, so Patroni sees only connection errors.
                etcdMember: { tls: spec.tls, handOffTo: etcdHandOffPreference(memberNames, i) },
            }, { parent: this, dependsOn: [this.containers[i], ...(previous ? [previous] : [])] });
            return previous;
        }) : [];
        this.serving = [...this.containers];
        this.ready = root ? [new EtcdAuth(`${name}-auth`, {
            subject, dockerHost: engine.host, containers: this.containerNames, tls: spec.tls, rootPassword: root.value,
        }, { parent: this, dependsOn: this.serving })] : [...this.containers, ...this.tlsDeliveries];
        this.registerOutputs({ clientEndpoints: this.clientEndpoints });
    }
}
