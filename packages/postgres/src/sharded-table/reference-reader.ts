import { quoteQualified, referenceGuardName, referencePublicationName, referenceRoleName, referenceSlotName, REFERENCE_TRIGGER, type ReferenceCoordinatorCatalog, type ReferenceShardCatalog, type ShardedTableSpec } from "@pgscale/core";
import { readPublication } from "../publication/catalog";
import { readSubscription } from "../subscription/catalog";
import type { Session } from "../sql/session";

// What the reference tables' planner needs: on the coordinator wal_level, the tables of the
// reference tables' names, the publication, the replication role and the slots named for this
// table's subscriptions; on a shard the copies (rows, the read-only trigger), the guard function
// and the subscription with the tables it holds. The subscription's conninfo is never read.

type Spec = ShardedTableSpec;

const names = (spec: Spec, previous: Spec | null) => [...new Set([...spec.referenceTables, ...(previous?.referenceTables ?? [])].map((t) => t.name))];

async function relations(s: Session, schema: string, tables: string[]) {
    return s.query<{ name: string; kind: string; columns: string[]; has_pk: boolean; guarded: boolean }>(
        `SELECT c.relname AS name, c.relkind::text AS kind,
                ARRAY(SELECT a.attname::text FROM pg_attribute a WHERE a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped ORDER BY a.attnum) AS columns,
                EXISTS (SELECT 1 FROM pg_index i WHERE i.indrelid = c.oid AND i.indisprimary) AS has_pk,
                EXISTS (SELECT 1 FROM pg_trigger t WHERE t.tgrelid = c.oid AND t.tgname = $3 AND t.tgenabled <> 'D') AS guarded
           FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
          WHERE n.nspname = $1 AND c.relname = ANY($2::text[]) ORDER BY c.relname`,
        [schema, tables, REFERENCE_TRIGGER],
    );
}

export async function readReferenceCoordinator(s: Session, spec: Spec, previous: Spec | null): Promise<ReferenceCoordinatorCatalog> {
    const [{ wal_level }] = await s.query<{ wal_level: string }>("SELECT current_setting('wal_level') AS wal_level");
    const tables = await relations(s, spec.schema, names(spec, previous));
    const user = referenceRoleName(spec);
    const [role] = await s.query<{ replication: boolean; connect: boolean; select_on: string[] }>(
        `SELECT r.rolreplication AS replication, has_database_privilege(r.oid, current_database(), 'CONNECT') AS connect,
                ARRAY(SELECT c.relname::text FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
                       WHERE n.nspname = $2 AND c.relkind = 'r' AND has_table_privilege(r.oid, c.oid, 'SELECT') AND has_schema_privilege(r.oid, n.oid, 'USAGE')) AS select_on
           FROM pg_roles r WHERE r.rolname = $1`,
        [user, spec.schema],
    );
    // This table's subscriptions' slots: the spec's shards and any an earlier apply made (same prefix).
    const base = referenceSlotName(spec, "");
    const slots = await s.query<{ name: string; active: boolean }>(
        "SELECT slot_name::text AS name, active FROM pg_replication_slots WHERE slot_type = 'logical' AND database = current_database() AND (slot_name = ANY($1::text[]) OR starts_with(slot_name::text, $2)) ORDER BY 1",
        [spec.shards.map((x) => referenceSlotName(spec, x.name)), base],
    );
    return {
        walLevel: wal_level,
        tables: tables.map((t) => ({ name: t.name, kind: t.kind, columns: t.columns, hasPrimaryKey: t.has_pk })),
        publication: await readPublication(s, referencePublicationName(spec)),
        role: role ? { exists: true, replication: role.replication, connect: role.connect, selectOn: role.select_on } : { exists: false, replication: false, connect: false, selectOn: [] },
        slots,
    };
}

export async function readReferenceShard(s: Session, spec: Spec, previous: Spec | null, shard: string): Promise<ReferenceShardCatalog> {
    const tables = await relations(s, spec.schema, names(spec, previous));
    const out: ReferenceShardCatalog["tables"] = [];
    for (const t of tables) {
        const [r] = t.kind === "r" ? await s.query<{ e: boolean }>(`SELECT EXISTS (SELECT 1 FROM ${quoteQualified(spec.schema, t.name)}) AS e`) : [{ e: false }];
        out.push({ name: t.name, kind: t.kind, hasRows: r.e, guarded: t.guarded });
    }
    const [guard] = await s.query<{ e: boolean }>(
        "SELECT EXISTS (SELECT 1 FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace WHERE n.nspname = $1 AND p.proname = $2) AS e",
        [spec.schema, referenceGuardName(spec)],
    );
    const subscription = await readSubscription(s, referenceSlotName(spec, shard));
    const subscribed = subscription
        ? await s.query<{ name: string; state: string }>(
              `SELECT c.relname::text AS name, sr.srsubstate::text AS state FROM pg_subscription_rel sr JOIN pg_subscription su ON su.oid = sr.srsubid
                 JOIN pg_class c ON c.oid = sr.srrelid WHERE su.subname = $1 AND su.subdbid = (SELECT oid FROM pg_database WHERE datname = current_database()) ORDER BY 1`,
              [subscription.name],
          )
        : [];
    return { tables: out, guardExists: guard.e, subscription, subscribed };
}
