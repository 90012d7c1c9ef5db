import * as pulumi from "@pulumi/pulumi";
import * as k8s from "@pulumi/kubernetes";
import { PatroniClusterSpec, PostgresLayout, nodeTagsSpec, renderPostBootstrap } from "@pgscale/core";
import { GeneratedSecret, GeneratedTls } from "@pgscale/postgres";
import { BackupPodParts } from "./backup";
import { readScript } from "./dcs-reconcile";
import { Labels } from "./labels";
import { DcsStore, renderMemberYaml } from "./patroni-files";
import { PatroniEtcdAccess } from "./patroni-etcd";
import { POSTGRES_TLS_DIR } from "./patroni-tls";

// Where a member finds its configuration, and the ports it serves.
export const PG_PORT = 5432;
export const API_PORT = 8008;
/** The config Secret's mount in the member pods. */
export const CONFIG_DIR = "/etc/patroni";
/** The REST API's CA in the config Secret (restApi.https). */
export const REST_CA = "rest-ca.crt";
/** The etcd cluster's CA, to verify the DCS's members: a key of the config Secret. */
export const ETCD_CA = "etcd-ca.crt";

/** The generated passwords of a PatroniCluster's built-in users. */
export interface PatroniPasswords {
    superuser: GeneratedSecret;
    replication: GeneratedSecret;
    rewind: GeneratedSecret;
    restApi: GeneratedSecret;
    owner: GeneratedSecret;
}

export interface PatroniConfigArgs {
    namespace: pulumi.Input<string>;
    /** The namespace's name (the Kubernetes DCS's store). */
    namespaceName: string;
    labels: Labels;
    /** The members' selector (the Kubernetes DCS's store). */
    selector: Labels;
    scope: string;
    spec: PatroniClusterSpec;
    layout: PostgresLayout;
    members: Array<{ name: string; host: string }>;
    passwords: PatroniPasswords;
    restApiUser: string;
    https: boolean;
    tlsOn: boolean;
    /** The first DCS document (bootstrap.dcs). */
    bootstrapDcs: pulumi.Output<Record<string, unknown>>;
    /** The members' certificates, when any TLS is on. */
    memberTls?: GeneratedTls;
    /** The checks of restApi.https and tls.enabled: the certificates are read past them only. */
    kept: pulumi.Output<unknown>;
    backup?: BackupPodParts;
    /** With an EtcdCluster: its store and files; else the Kubernetes DCS. */
    etcd?: PatroniEtcdAccess;
    dependsOn: pulumi.Resource[];
}

/**
 * Every member's patroni.yml (passwords inside), its certificate and key, the REST API's CA and the
 * bootstrap script (the owner's verifier) in one Secret, `<name>-patroni`. A fixed name: pods read
 * new keys in place, so adding a member does not restart the others (Secret data is replace-only
 * in the provider, which deletes a named object before recreating it).
 */
export function patroniConfigSecret(name: string, a: PatroniConfigArgs, parent: pulumi.Resource): { secret: k8s.core.v1.Secret; secretName: string } {
    const { spec, layout, scope, backup, passwords: pw } = a;
    const callback = a.etcd ? `${CONFIG_DIR}/role-label.sh` : undefined;
    // Read only past the checks of restApi.https and tls.enabled (kept), so a refused change touches nothing.
    // The CA file is the trust bundle (the CA, and its predecessor for one rotation).
    const certFiles = pulumi.all([a.memberTls?.trustBundlePem, a.memberTls?.certs, a.kept]).apply(([ca, certs]) => (ca && certs ? { ca, certs } : undefined));
    // The owner's verifier inside; a restored cluster's sets it on the restored roles (renderPostRestore).
    const postBootstrap = backup?.postBootstrap
        ? backup.postBootstrap(pw.owner.scramVerifier)
        : pw.owner.scramVerifier.apply((v) => renderPostBootstrap(spec.owner, v, spec.database));
    const files = pulumi
        .all([pw.superuser.value, pw.replication.value, pw.rewind.value, pw.restApi.value, a.bootstrapDcs, postBootstrap, a.etcd?.config, certFiles])
        .apply(([su, repl, rw, api, dcsAtBootstrap, postBootstrapScript, etcdConfig, tlsFiles]) => {
            const caPem = tlsFiles?.ca;
            const certs = tlsFiles?.certs;
            const store: DcsStore = etcdConfig?.store ?? { kind: "kubernetes", namespace: a.namespaceName, labels: a.selector, pgPort: PG_PORT };
            const out: Record<string, string> = { ...etcdConfig?.files };
            a.members.forEach((m, i) => {
                out[`${m.name}.yml`] = renderMemberYaml({
                    scope, name: m.name, host: m.host, dcs: dcsAtBootstrap,
                    superuser: { username: "postgres", password: su },
                    replication: { username: "replicator", password: repl },
                    rewind: { username: "rewind", password: rw },
                    restApi: { username: a.restApiUser, password: api },
                    tags: spec.nodeTags[i] ?? nodeTagsSpec.parse({}),
                    dataDir: layout.dataDir, binDir: layout.binDir,
                    postBootstrap: `${CONFIG_DIR}/post-bootstrap.sh`,
                    ...(backup?.replicaMethod ? { replicaMethod: backup.replicaMethod } : {}),
                    ...(backup?.bootstrapMethod ? { bootstrapMethod: backup.bootstrapMethod } : {}),
                    pgPort: PG_PORT, apiPort: API_PORT,
                    ...(a.https && certs ? { restApiTls: { certFile: `${CONFIG_DIR}/${m.name}.crt`, keyFile: `${CONFIG_DIR}/${m.name}.key`, caFile: `${CONFIG_DIR}/${REST_CA}` } } : {}),
                    ...(a.tlsOn && certs ? { tls: { certFile: `${POSTGRES_TLS_DIR}/${m.name}.crt`, keyFile: `${POSTGRES_TLS_DIR}/${m.name}.key`, caFile: `${POSTGRES_TLS_DIR}/${REST_CA}` } } : {}),
                }, store, callback, layout.patroniMajor);
                if (certs) {
                    out[`${m.name}.crt`] = certs[m.name].certPem;
                    out[`${m.name}.key`] = certs[m.name].keyPem;
                }
            });
            if (caPem) out[REST_CA] = caPem;
            out["post-bootstrap.sh"] = postBootstrapScript;
            if (callback) out["role-label.sh"] = readScript("role-label.sh");
            return out;
        });
    const secretName = `${name}-patroni`;
    const secret = new k8s.core.v1.Secret(secretName, {
        metadata: { name: secretName, namespace: a.namespace, labels: a.labels },
        stringData: pulumi.secret(files),
    }, { parent, dependsOn: a.dependsOn });
    return { secret, secretName };
}
