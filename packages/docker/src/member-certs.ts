import * as pulumi from "@pulumi/pulumi";
import * as docker from "@pulumi/docker";
import { memberTlsReload } from "@pgscale/core";
import { GeneratedTls, TlsServerNames } from "@pgscale/postgres";
import { CertificateDelivery } from "./tls-delivery/cert-delivery";

// A PatroniCluster's certificates: its REST API's (restApi.https) and PostgreSQL's (tls.enabled).

/** A cluster's CA and each member's certificate and key. */
export interface ClusterCertificates {
    ca: GeneratedTls;
    of(member: string): pulumi.Output<{ certPem: string; keyPem: string }>;
}

/**
 * The CA alone (`<name>-tls`, which changes only when it rotates: `tls.caGeneration` raised, or
 * the last `renewBeforeFraction` of its own lifetime reached) and one certificate per member
 * (`<member>-tls`, signed by it, issued anew from a rotated CA): adding a member creates its own and leaves the others' known in
 * `pulumi preview`, so no member shows as replaced (one resource for all would be updated, and
 * every member's files unknown until it ran).
 */
export function memberCertificates(name: string, nodes: number, names: (i: number) => TlsServerNames, renewal: { renewBeforeFraction: number; caGeneration: number }, parent: pulumi.Resource): ClusterCertificates {
    const { renewBeforeFraction } = renewal;
    const ca = new GeneratedTls(`${name}-tls`, { servers: {}, ...renewal }, { parent });
    const caPair = ca.signingCa;
    const members = new Map(Array.from({ length: nodes }, (_, i) => {
        const member = `${name}-${i}`;
        return [member, new GeneratedTls(`${member}-tls`, { servers: { [member]: names(i) }, ca: caPair, renewBeforeFraction }, { parent })] as const;
    }));
    return { ca, of: (member) => members.get(member)!.certs.apply((c) => c[member]) };
}

export function legacyCertificates(tls: GeneratedTls): ClusterCertificates {
    return { ca: tls, of: (member) => tls.certs.apply((c) => c[member]) };
}


export interface MemberDeliveryOptions {
    dockerHost: pulumi.Input<string | undefined>;
    /** Where the member's entrypoint and patroni.yml expect the files (in the container's own layer, which a restart keeps). */
    dir: string;
    /** PostgreSQL's binaries (pg_isready, psql). */
    binDir: string;
    /** PostgreSQL's port when it serves TLS (tls.enabled). */
    pgPort?: number;
    /** The REST API's port when it serves HTTPS (restApi.https). */
    apiPort?: number;
    /** More trust files kept current in the container (the etcd cluster's CA bundle, which Patroni reads on each new connection). */
    trustFiles?: pulumi.Input<Array<{ path: string; pem: pulumi.Input<string> }>>;
    /** What must be done before the first delivery starts the member's Patroni (its entrypoint waits for the files). */
    after?: pulumi.Resource[];
}

/**
 * The member's current certificate in its running container (`<member>-tls-files`): Patroni
 * reloads its REST API's on SIGHUP, and PostgreSQL re-reads its SSL files on a configuration
 * reload (pg_reload_conf over the local socket; skipped while PostgreSQL is not up, as it reads them at start).
 */
export function memberCertificateDelivery(member: string, container: docker.Container, certs: ClusterCertificates, o: MemberDeliveryOptions, parent: pulumi.Resource): CertificateDelivery {
    const pair = certs.of(member);
    return new CertificateDelivery(`${member}-tls-files`, {
        containerId: container.id, dockerHost: o.dockerHost, user: "postgres", dir: o.dir,
        certPem: pair.apply((c) => c.certPem), keyPem: pair.apply((c) => c.keyPem), caPem: certs.ca.trustBundlePem,
        reload: memberTlsReload(o.binDir),
        serves: [...(o.pgPort ? [{ port: o.pgPort, starttls: "postgres" as const }] : []), ...(o.apiPort ? [{ port: o.apiPort }] : [])],
        ...(o.trustFiles ? { trustFiles: o.trustFiles } : {}),
    }, { parent, dependsOn: [container, ...(o.after ?? [])] });
}
