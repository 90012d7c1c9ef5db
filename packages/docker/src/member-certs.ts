import * as pulumi from "@pulumi/pulumi";
import { GeneratedTls, TlsServerNames } from "@pgscale/postgres";

// A PatroniCluster's certificates: its REST API's (restApi.https) and PostgreSQL's (tls.enabled).

/** A cluster's CA and each member's certificate and key. */
export interface ClusterCertificates {
    ca: GeneratedTls;
    of(member: string): pulumi.Output<{ certPem: string; keyPem: string }>;
}

/**
 * The CA alone (`<name>-tls`, which never changes) and one certificate per member
 * (`<member>-tls`, signed by it): adding a member creates its own and leaves the others' known in
 * `pulumi preview`, so no member shows as replaced (one resource for all would be updated, and
 * every member's files unknown until it ran).
 */
export function memberCertificates(name: string, nodes: number, names: (i: number) => TlsServerNames, parent: pulumi.Resource): ClusterCertificates {
    const ca = new GeneratedTls(`${name}-tls`, { servers: {} }, { parent });
    const caPair = pulumi.all([ca.caCertPem, ca.caKeyPem]).apply(([certPem, keyPem]) => ({ certPem, keyPem }));
    const members = new Map(Array.from({ length: nodes }, (_, i) => {
        const member = `${name}-${i}`;
        return [member, new GeneratedTls(`${member}-tls`, { servers: { [member]: names(i) }, ca: caPair }, { parent })] as const;
    }));
    return { ca, of: (member) => members.get(member)!.certs.apply((c) => c[member]) };
}

export function legacyCertificates(tls: GeneratedTls): ClusterCertificates {
    return { ca: tls, of: (member) => tls.certs.apply((c) => c[member]) };
}

