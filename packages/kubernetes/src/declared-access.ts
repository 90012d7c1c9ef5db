import * as pulumi from "@pulumi/pulumi";
import * as k8s from "@pulumi/kubernetes";
import { renderDeclaredAccessSql, type PatroniClusterSpec } from "@pgscale/core";
import { GeneratedSecret } from "@pgscale/postgres";
import { primarySqlJob, type PrimarySqlJobArgs } from "./in-cluster-job";

// A PatroniCluster's `roles` and `databases` on Kubernetes. Pulumi's dynamic providers (Role,
// Database) run where `pulumi up` runs, which reaches no pod, so one in-cluster Job runs
// renderDeclaredAccessSql (@pgscale/core) through the primary Service once the cluster is ready.
// Passwords are generated once as Pulumi secrets, as Docker's Role does; only their SCRAM
// verifiers reach the Job's Secret. The script is idempotent and drops nothing.

/** A declared role: the same outputs as Docker's Role (DeclaredRoleOutputs). */
export interface DeclaredRole {
    /** The role's name, known once the access Job completed. */
    readonly name: pulumi.Output<string>;
    /** The generated password of a login role (secret); empty for a group role. */
    readonly password: pulumi.Output<string>;
    /** The SCRAM-SHA-256 verifier the server holds (secret), for a PgBouncerPool's `users`; empty for a group role. */
    readonly scramVerifier: pulumi.Output<string>;
}

/** A declared database (DeclaredDatabaseOutputs). */
export interface DeclaredDatabase {
    /** The database's name, known once the access Job completed. */
    readonly name: pulumi.Output<string>;
}

export interface DeclaredAccess {
    roles: Record<string, DeclaredRole>;
    databases: Record<string, DeclaredDatabase>;
    /** The Job, when anything is declared. */
    job?: k8s.batch.v1.Job;
}

export function declaredAccessJob(name: string, a: Omit<PrimarySqlJobArgs, "sql" | "container"> & { spec: PatroniClusterSpec }, parent: pulumi.Resource): DeclaredAccess {
    const { spec, ...job } = a;
    if (!spec.roles.length && !spec.databases.length) return { roles: {}, databases: {} };
    // One generated password per login role, named after it: a role keeps its password across ups.
    const passwords = Object.fromEntries(spec.roles.filter((r) => r.login)
        .map((r) => [r.name, new GeneratedSecret(`${name}-role-${r.name}-password`, {}, { parent })]));
    const verifiers = pulumi.all(Object.fromEntries(Object.entries(passwords).map(([n, p]) => [n, p.scramVerifier])));
    const sql = verifiers.apply((v) => renderDeclaredAccessSql({
        roles: spec.roles.map(({ poolSize: _poolSize, ...r }) => r), databases: spec.databases, defaultOwner: spec.owner, verifiers: v,
    }));
    const { job: accessJob } = primarySqlJob(`${name}-access`, { ...job, sql, container: "access" }, parent);
    // Each output resolves once the Job completed: whatever reads a name or a password (a pool's
    // userlist, an application's URI) comes after the role exists.
    const after = <T>(v: pulumi.Input<T>) => pulumi.all([accessJob.urn, v]).apply(([, x]) => x);
    const roles = Object.fromEntries(spec.roles.map((r) => {
        const p = passwords[r.name];
        return [r.name, {
            name: after(r.name),
            password: pulumi.secret(after(p ? p.value : "")),
            scramVerifier: pulumi.secret(after(p ? p.scramVerifier : "")),
        } satisfies DeclaredRole];
    }));
    const databases = Object.fromEntries(spec.databases.map((d) => [d.name, { name: after(d.name) } satisfies DeclaredDatabase]));
    return { roles, databases, job: accessJob };
}
