import * as pulumi from "@pulumi/pulumi";
import * as k8s from "@pulumi/kubernetes";
import { EtcdCluster } from "./etcd";
import { etcdScopeUserJob } from "./etcd-auth";
import { IMAGE_USERS, podImage } from "./images";
import { labelsFor } from "./labels";
import { EtcdStore } from "./patroni-files";

/** What a PatroniCluster needs of its EtcdCluster: the `etcd3` store, the files beside patroni.yml, and its user. */
export interface PatroniEtcdAccess {
    /** With auth: the Job that creates the scope's etcd user (the members start after it). */
    user?: k8s.batch.v1.Job;
    /** The DCS store of patroni.yml, and the extra files of the config Secret (the CA, with TLS). */
    config: pulumi.Output<{ store: EtcdStore; files: Record<string, string> }>;
}

/**
 * With a locked etcd (the default): the scope's own etcd user, which reaches its keys only, and
 * Patroni configured with it and the cluster's CA (`caKey` of the config Secret, at `caFile`).
 */
export function patroniEtcdAccess(
    name: string, scope: string, dcs: EtcdCluster,
    o: { namespace: pulumi.Input<string>; password?: pulumi.Output<string>; caKey: string; caFile: string; timeoutSeconds: number; after: pulumi.Resource[] },
    parent: pulumi.Resource,
): PatroniEtcdAccess {
    const security = { tls: dcs.spec.tls, auth: dcs.spec.auth };
    const user = security.auth && o.password ? etcdScopeUserJob(name, scope, {
        namespace: o.namespace,
        labels: labelsFor(name, "patroni-etcd-user", "etcd-user").labels,
        // etcdctl is in the etcd image: the Job runs it as the etcd pods do.
        image: podImage("etcd", dcs.spec), imageUser: IMAGE_USERS.etcd, placement: dcs.platform,
        tls: security.tls, endpoints: dcs.clientEndpoints, caPem: dcs.tlsCaPem,
        rootPassword: dcs.rootPassword, password: o.password,
        timeoutSeconds: o.timeoutSeconds, dependsOn: [...dcs.ready, ...o.after],
    }, parent).job : undefined;
    // From the checked settings: a refused tls/auth change leaves patroni.yml as it is.
    const config = pulumi.all([o.password, dcs.tlsCaPem, dcs.security]).apply(([password, ca, checked]) => ({
        store: { kind: "etcd" as const, hosts: dcs.clientEndpoints, security: checked, caFile: o.caFile, password },
        files: security.tls ? { [o.caKey]: ca ?? "" } : {},
    }));
    return { user, config };
}
