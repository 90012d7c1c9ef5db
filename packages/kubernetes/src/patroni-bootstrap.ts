import * as pulumi from "@pulumi/pulumi";
import { POSTGRES_VERSION_BEFORE_OPTION, ResolvedPatroniCluster, clusterDcsDocument } from "@pgscale/core";
import { FirstValue, PostgresVersionGuard } from "@pgscale/postgres";
import { keptPostgresTls, keptRestApiHttps } from "./patroni-tls";

/** What the bootstrap record notes beside the first DCS document. */
export interface BootstrapNote {
    postgresVersion: ResolvedPatroniCluster["layout"]["version"];
    restApiHttps: boolean;
    postgresTls: boolean;
}

/** The DCS document, the record of what the cluster was initialised with, and the checks against it. */
export interface PatroniBootstrap {
    /** The DCS settings the stack asks for now (dcsReconcile applies them to the live cluster). */
    dcsDoc: Record<string, unknown>;
    /** The first DCS document (the members' bootstrap.dcs) and its note: major, restApi.https, tls.enabled. */
    bootstrapDcs: FirstValue<Record<string, unknown>, BootstrapNote>;
    /** Both checks of restApi.https and tls.enabled against the note, for what must wait on them. */
    kept: pulumi.Output<[boolean, boolean]>;
    /** Refuses a major other than the one the cluster was initialised with. */
    versionGuard: PostgresVersionGuard;
}

/**
 * The cluster's DCS document and its bootstrap record (`<name>-bootstrap-dcs`): Patroni reads
 * bootstrap.dcs only when it initialises the cluster; later changes go through PATCH /config
 * (dcsReconcile), so the member configs keep the first document. Its note keeps the major, and
 * restApi.https and tls.enabled, the cluster was created with; a change of either fails `pulumi
 * preview` (the members read them at start only), and the guard refuses another major.
 */
export function patroniBootstrap(
    name: string, subject: string, a: { resolved: ResolvedPatroniCluster; scope: string; https: boolean; tlsOn: boolean; versionGiven: boolean },
    parent: pulumi.Resource,
): PatroniBootstrap {
    const { resolved, scope, https, tlsOn } = a;
    const dcsDoc = clusterDcsDocument(resolved, scope, tlsOn);
    // Its note keeps the major the cluster was initialised with (absent in states from before
    // postgresVersion existed, when every cluster was 15); the guard refuses any other.
    const layout = resolved.layout;
    const note: BootstrapNote = { postgresVersion: layout.version, restApiHttps: https, postgresTls: tlsOn };
    const bootstrapDcs = new FirstValue(`${name}-bootstrap-dcs`, { value: dcsDoc, note }, { parent });
    // The members read patroni.yml at start only, so HTTPS cannot reach a running cluster together
    // with its probes and HAProxy's checks: the first value stays, and a change fails
    // `pulumi preview` here, before anything is touched.
    const keptHttps = bootstrapDcs.firstNote.apply((n) => keptRestApiHttps(subject, n, https));
    // The same for PostgreSQL's TLS: members replicate with the sslmode they require.
    const keptTls = bootstrapDcs.firstNote.apply((n) => keptPostgresTls(subject, n, tlsOn));
    const kept = pulumi.all([keptHttps, keptTls]);
    const versionGuard = new PostgresVersionGuard(`${name}-postgres-version`, {
        subject, version: layout.version, versionGiven: a.versionGiven,
        bootstrapVersion: bootstrapDcs.firstNote.apply((n) => n?.postgresVersion ?? POSTGRES_VERSION_BEFORE_OPTION),
        bootstrapRecord: bootstrapDcs.id,
    }, { parent });
    return { dcsDoc, bootstrapDcs, kept, versionGuard };
}
