import * as pulumi from "@pulumi/pulumi";
import { declaredRoleOrder, type PatroniClusterSpec } from "@pgscale/core";
import { Database, Role } from "@pgscale/postgres";

// A PatroniCluster's `roles` and `databases`: Role and Database resources of @pgscale/postgres,
// children of the cluster, run through its primary endpoint once it is ready. The spec was
// validated with the cluster (names, owners, membership cycles), so this only wires resources.

export interface DeclaredAccess {
    /** Each declared role by name. */
    roles: Record<string, Role>;
    /** Each declared database by name. */
    databases: Record<string, Database>;
}

export function declaredAccess(name: string, args: {
    spec: PatroniClusterSpec;
    /** pgscale's superuser on a database of the cluster, through the primary endpoint (secret). */
    connection: pulumi.Input<string>;
    ready: pulumi.Resource;
}, parent: pulumi.Resource): DeclaredAccess {
    const { spec, connection, ready } = args;
    const roles: Record<string, Role> = {};
    // A role's memberships name other declared roles by their Role's `name`, so each is made after
    // the roles it joins.
    for (const { poolSize: _poolSize, memberOf, ...role } of declaredRoleOrder(spec.roles)) {
        roles[role.name] = new Role(`${name}-role-${role.name}`, {
            ...role,
            memberOf: memberOf.map((m) => roles[m]?.name ?? m),
            connection,
        }, { parent, dependsOn: [ready] });
    }
    const databases: Record<string, Database> = {};
    for (const d of spec.databases) {
        const owner = d.owner ?? spec.owner;
        databases[d.name] = new Database(`${name}-db-${d.name}`, { ...d, owner: roles[owner]?.name ?? owner, connection }, { parent, dependsOn: [ready] });
    }
    return { roles, databases };
}
