import * as pulumi from "@pulumi/pulumi";
import { GeneratedTls } from "@pgscale/postgres";
import { ServiceEndpoint } from "./service-endpoint";

// A PatroniCluster's TLS on Kubernetes: one certificate per member from a CA generated for the
// cluster serves Patroni's REST API (restApi.https) and PostgreSQL (tls.enabled), as on Docker.

/**
 * Where PostgreSQL reads its certificate and key: the cluster's config Secret mounted a second
 * time, 0440. The config mount is 0550 (its scripts run), and PostgreSQL refuses a key file owned
 * by root with any group bit but read.
 */
export const POSTGRES_TLS_DIR = "/etc/patroni-tls";

/**
 * tls.enabled as the running cluster was created with it, from the bootstrap record's note; a
 * change is refused. A note from before PostgreSQL TLS existed on Kubernetes counts as false (the
 * members were created without it). No note at all is nothing to compare with (a record from before
 * notes existed, or a program run under Pulumi's mocks).
 */
export function keptPostgresTls(subject: string, firstNote: { postgresTls?: boolean } | undefined, now: boolean): boolean {
    if (firstNote === undefined) return now;
    const first = firstNote.postgresTls ?? false;
    if (first !== now) {
        const before = firstNote.postgresTls === undefined ? " (Kubernetes clusters had no PostgreSQL TLS before)" : "";
        throw new Error(`${subject}: tls.enabled is ${now}, but the running members were created with tls.enabled ${first}${before}; `
            + "the members replicate with the sslmode they require, and clients of the other kind would be cut off at once. "
            + `Set \`tls: { enabled: ${first} }\` to keep the running cluster; moving it to ${now ? "TLS" : "plaintext"} means a new cluster (docs/security.md "TLS").`);
    }
    return now;
}

/**
 * restApi.https as the running cluster was created with it, from the bootstrap record's note; a
 * change is refused (see the caller). A note from before restApi.https counts as false. No note at
 * all is nothing to compare with: a record from before notes existed (documented), or a program
 * run under Pulumi's mocks, where no provider records one.
 */
export function keptRestApiHttps(subject: string, firstNote: { restApiHttps?: boolean } | undefined, now: boolean): boolean {
    if (firstNote === undefined) return now;
    const first = firstNote.restApiHttps ?? false;
    if (first !== now) {
        throw new Error(`${subject}: restApi.https is ${now}, but the running members were created with restApi.https ${first}; `
            + "the members read it at start only, and their probes and HAProxy's checks would switch before them. "
            + `Set \`restApi: { https: ${first} }\` to keep the running cluster (docs/security.md "The control plane").`);
    }
    return now;
}

/**
 * The names a member's certificate carries beyond its pod's: with PostgreSQL TLS, the cluster's
 * primary and replica Services (in-cluster clients and pgscale's Jobs verify them) and the cluster's
 * own name, which a PgBouncerPool in front of an HAProxyFrontend dials (a host alias for HAProxy's
 * Service address) to verify the member behind HAProxy in full.
 */
export function postgresTlsNames(clusterName: string, services: ServiceEndpoint[]): string[] {
    return [clusterName, ...services.flatMap((s) => [s.host, `${s.name}.${s.namespace}.svc`, `${s.name}.${s.namespace}`, s.name])];
}

/**
 * The members' certificates (REST API and PostgreSQL, and `backup`'s pgBackRest servers, which speak
 * mutual TLS): one per member, valid for its pod DNS names (Patroni's own calls, replication and
 * HAProxy's checks use the full one), localhost and 127.0.0.1 (the probes' kubelet does not
 * verify); with PostgreSQL TLS also the Services' names and the cluster's (postgresTlsNames).
 */
export function patroniMemberTls(
    name: string, members: Array<{ name: string; host: string }>,
    a: { headless: string; namespace: string; postgresTls: boolean; services: ServiceEndpoint[]; lifetimeDays: number; renewBeforeFraction: number; caGeneration: number },
    parent: pulumi.Resource,
): GeneratedTls {
    const { headless, namespace: ns } = a;
    return new GeneratedTls(`${name}-tls`, {
        servers: Object.fromEntries(members.map((m) => [m.name, {
            dnsNames: [m.host, `${m.name}.${headless}.${ns}.svc`, `${m.name}.${headless}.${ns}`, `${m.name}.${headless}`, "localhost",
                ...(a.postgresTls ? postgresTlsNames(name, a.services) : [])],
            ipAddresses: ["127.0.0.1"],
            validDays: a.lifetimeDays,
        }])),
        // Renewed in place (the members reload them: cert-watch.ts). The CA rotates by the same
        // rule on its own lifetime, or when caGeneration goes up: its leaves are served with the
        // new CA cross-signed by the old, and every party trusts the bundle of both (trustBundlePem),
        // so each mix of old and new files the kubelet syncs pod by pod verifies.
        renewBeforeFraction: a.renewBeforeFraction, caGeneration: a.caGeneration,
    }, { parent });
}
