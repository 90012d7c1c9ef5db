import type { GrantCatalog, GrantSpec, ObservedPrivileges, SubscriberUse } from "@pgscale/core";
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

// Active logical walsenders (subscriptions streaming from this server) whose role is not a
// superuser and inherits the grantee's ($1) privileges: their database and slot.
const SUBSCRIBERS = `SELECT r.usename::text AS "user", s.slot_name::text AS slot, s.database::text AS database
    FROM pg_stat_replication r JOIN pg_replication_slots s ON s.active_pid = r.pid
   WHERE s.slot_type = 'logical'
     AND NOT COALESCE((SELECT rolsuper FROM pg_roles WHERE rolname = r.usename), true)
     AND pg_has_role(r.usename, $1, 'USAGE')`;
// Tables published in this database (any publication: the publisher does not record which ones a
// subscription reads), in the schema $1.
const PUBLISHED = "SELECT DISTINCT tablename::text AS name FROM pg_publication_tables WHERE schemaname = $1";

/**
 * What running subscriptions use through the grantee on the grant's scope: CONNECT on the database
 * they stream from, USAGE on a schema with published tables, SELECT on published tables.
 */
async function readSubscriberUses(s: Session, spec: GrantSpec): Promise<SubscriberUse[]> {
    if (spec.on === "sequences" || spec.on === "functions") return [];
    const senders = await s.query<{ user: string; slot: string; database: string }>(SUBSCRIBERS, [spec.role]);
    if (!senders.length) return [];
    if (spec.on === "database") return senders.filter((w) => w.database === spec.database).map((w) => ({ object: spec.database!, privilege: "CONNECT", user: w.user, slot: w.slot }));
    const [{ db }] = await s.query<{ db: string }>("SELECT current_database()::text AS db");
    const here = senders.filter((w) => w.database === db);
    const published = here.length ? (await s.query<{ name: string }>(PUBLISHED, [spec.schema])).map((r) => r.name) : [];
    if (!published.length) return [];
    if (spec.on === "schema") return here.map((w) => ({ object: spec.schema!, privilege: "USAGE", user: w.user, slot: w.slot }));
    return here.flatMap((w) => published.map((t) => ({ object: t, privilege: "SELECT", user: w.user, slot: w.slot })));
}

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
    const subscriberUses = roleExists ? await readSubscriberUses(s, spec) : [];
    if (!spec.defaultPrivileges) return { roleExists, containerExists, objects, missing, subscriberUses };
    const [{ who }] = await s.query<{ who: string }>("SELECT COALESCE($1::text, current_user::text) AS who", [spec.defaultPrivilegesFor ?? null]);
    const rows = await s.query<{ privileges: string[] }>(DEFAULTS, [spec.role, container, who, DEFAULTS_OBJTYPE[spec.on as keyof typeof DEFAULTS_OBJTYPE]]);
    return { roleExists, containerExists, objects, missing, subscriberUses, defaultsFor: who, defaults: rows[0]?.privileges ?? [] };
}
