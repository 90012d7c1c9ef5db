import type { ObservedRole, RoleCatalog } from "@pgscale/core";
import type { Session } from "../sql/session";

// Reads what a Role's plan needs from pg_roles and pg_auth_members. Role names are bound as
// parameters, never spliced into the text.

const ROLE_QUERY = `
SELECT r.rolname AS name, r.rolcanlogin AS login, r.rolinherit AS inherit, r.rolcreatedb AS create_database,
       r.rolcreaterole AS create_role, r.rolconnlimit AS connection_limit, r.rolsuper AS superuser,
       CASE WHEN r.rolvaliduntil IS NULL OR r.rolvaliduntil = 'infinity' THEN NULL
            ELSE to_char(r.rolvaliduntil AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"') END AS valid_until,
       COALESCE((SELECT array_agg(g.rolname::text ORDER BY g.rolname) FROM pg_auth_members m JOIN pg_roles g ON g.oid = m.roleid
                  WHERE m.member = r.oid), '{}') AS member_of
  FROM pg_roles r WHERE r.rolname = $1`;

// Every role that is a member of $1, directly or through other roles: $1 cannot join any of them.
const MEMBERS_QUERY = `
WITH RECURSIVE members(oid) AS (
    SELECT m.member FROM pg_auth_members m JOIN pg_roles r ON r.oid = m.roleid WHERE r.rolname = $1
    UNION
    SELECT m.member FROM pg_auth_members m JOIN members ON m.roleid = members.oid)
SELECT r.rolname AS name FROM members JOIN pg_roles r ON r.oid = members.oid`;

interface RoleRow extends Record<string, unknown> {
    name: string; login: boolean; inherit: boolean; create_database: boolean; create_role: boolean;
    connection_limit: number; superuser: boolean; valid_until: string | null; member_of: string[];
}

export async function readRole(s: Session, name: string): Promise<ObservedRole | null> {
    const [r] = await s.query<RoleRow>(ROLE_QUERY, [name]);
    if (!r) return null;
    return {
        name: r.name, login: r.login, inherit: r.inherit, createDatabase: r.create_database, createRole: r.create_role,
        connectionLimit: r.connection_limit, validUntil: r.valid_until, superuser: r.superuser, memberOf: r.member_of,
    };
}

export async function readRoleCatalog(s: Session, q: { name: string; previousName?: string; memberOf: string[] }): Promise<RoleCatalog> {
    const role = await readRole(s, q.name);
    const previous = q.previousName !== undefined && q.previousName !== q.name ? await readRole(s, q.previousName) : null;
    const existing = (await s.query<{ name: string }>("SELECT rolname::text AS name FROM pg_roles WHERE rolname = ANY($1::text[])", [q.memberOf])).map((r) => r.name);
    const members = (await s.query<{ name: string }>(MEMBERS_QUERY, [q.name])).map((r) => r.name);
    return { role, previous, existing, members };
}
