import type { GrantCatalog, GrantSpec, ObservedPrivileges } from "@pgscale/core";
import type { Session } from "../sql/session";

// Reads the grantee's privileges on the grant's scope: aclexplode of each object's ACL (a NULL
// ACL is the object's default, acldefault), and pg_default_acl for future objects. Names are
// bound as parameters.

/** The grantee's ($1) privileges in an ACL expression, sorted. */
const PRIVILEGES_IN = (acl: string) => `COALESCE((SELECT array_agg(DISTINCT a.privilege_type::text ORDER BY a.privilege_type::text)
    FROM aclexplode(${acl}) a WHERE a.grantee = (SELECT oid FROM pg_roles WHERE rolname = $1)), '{}')`;
/** An object's ACL; NULL means the owner's default one. */
const PRIVILEGES_OF = (acl: string, kind: string, owner: string) => PRIVILEGES_IN(`COALESCE(${acl}, acldefault('${kind}', ${owner}))`);

const DATABASE = `SELECT d.datname::text AS name, ${PRIVILEGES_OF("d.datacl", "d", "d.datdba")} AS privileges FROM pg_database d WHERE d.datname = $2`;
const SCHEMA = `SELECT n.nspname::text AS name, ${PRIVILEGES_OF("n.nspacl", "n", "n.nspowner")} AS privileges FROM pg_namespace n WHERE n.nspname = $2`;
// Relations GRANT ... ON ALL TABLES covers: tables, partitioned tables, views, materialized and foreign tables.
const RELATIONS = (kinds: string, aclKind: string) => `SELECT c.relname::text AS name, ${PRIVILEGES_OF("c.relacl", aclKind, "c.relowner")} AS privileges
    FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
   WHERE n.nspname = $2 AND c.relkind = ANY('{${kinds}}'::"char"[]) AND ($3::text[] IS NULL OR c.relname = ANY($3::text[]))
   ORDER BY c.relname`;
// Routines GRANT ... ON ALL ROUTINES covers (functions, procedures, aggregates, window functions),
// one row per overload with its identity arguments (quoted by PostgreSQL where they need it).
const ROUTINES = `SELECT p.proname::text AS name, pg_get_function_identity_arguments(p.oid) AS args, ${PRIVILEGES_OF("p.proacl", "f", "p.proowner")} AS privileges
    FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
   WHERE n.nspname = $2 AND ($3::text[] IS NULL OR p.proname = ANY($3::text[]))
   ORDER BY p.proname, 2`;
/** pg_default_acl's defaclobjtype of each per-object kind. */
const DEFAULTS_OBJTYPE = { tables: "r", sequences: "S", functions: "f" } as const;
const DEFAULTS = `SELECT ${PRIVILEGES_IN("d.defaclacl")} AS privileges
    FROM pg_default_acl d JOIN pg_namespace n ON n.oid = d.defaclnamespace
   WHERE n.nspname = $2 AND d.defaclrole = (SELECT oid FROM pg_roles WHERE rolname = $3) AND d.defaclobjtype = $4`;

export async function readGrantCatalog(s: Session, spec: GrantSpec): Promise<GrantCatalog> {
    const [{ exists: roleExists }] = await s.query<{ exists: boolean }>("SELECT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = $1) AS exists", [spec.role]);
    const container = spec.on === "database" ? spec.database! : spec.schema!;
    const [{ exists: containerExists }] = await s.query<{ exists: boolean }>(spec.on === "database"
        ? "SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1) AS exists"
        : "SELECT EXISTS (SELECT 1 FROM pg_namespace WHERE nspname = $1) AS exists", [container]);
    if (!containerExists) return { roleExists, containerExists, objects: [], missing: [] };
    let objects: ObservedPrivileges[];
    if (spec.on === "database") objects = await s.query<{ name: string; privileges: string[] }>(DATABASE, [spec.role, container]);
    else if (spec.on === "schema") objects = await s.query<{ name: string; privileges: string[] }>(SCHEMA, [spec.role, container]);
    else if (spec.on === "functions") objects = await s.query<{ name: string; args: string; privileges: string[] }>(ROUTINES, [spec.role, container, spec.objects ?? null]);
    else objects = await s.query<{ name: string; privileges: string[] }>(spec.on === "tables" ? RELATIONS("r,p,v,m,f", "r") : RELATIONS("S", "s"), [spec.role, container, spec.objects ?? null]);
    const missing = (spec.objects ?? []).filter((o) => !objects.some((x) => x.name === o));
    if (!spec.defaultPrivileges) return { roleExists, containerExists, objects, missing };
    const [{ who }] = await s.query<{ who: string }>("SELECT COALESCE($1::text, current_user::text) AS who", [spec.defaultPrivilegesFor ?? null]);
    const rows = await s.query<{ privileges: string[] }>(DEFAULTS, [spec.role, container, who, DEFAULTS_OBJTYPE[spec.on as keyof typeof DEFAULTS_OBJTYPE]]);
    return { roleExists, containerExists, objects, missing, defaultsFor: who, defaults: rows[0]?.privileges ?? [] };
}
