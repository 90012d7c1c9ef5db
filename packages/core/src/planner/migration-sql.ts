import { quoteIdent as qi, quoteLiteral as ql, quoteQualified as qq } from "../sql";
import { columnDdl, TableTemplate } from "./tables";

// SQL for the steps no construct performs: moving an existing table under a
// partitioned parent, and copying rows into a new one (sharding-sql.ts has the
// shards' DDL). Bounds are written as explicit
// UTC timestamps so they mean the same instant whatever the session TimeZone.

/** Lower bound of the legacy partition: below any real event time. */
export const LEGACY_FROM = "1970-01-01";

export const utcLiteral = (day: string) => ql(`${day} 00:00:00+00`);
const hasIdentity = (t: TableTemplate) => t.columns.some((c) => c.identity);

export function createParent(t: TableTemplate, name: string, strategy: string, withPk = true): string {
    const pk = withPk ? `, PRIMARY KEY (${t.primaryKey.map(qi).join(", ")})` : "";
    return `CREATE TABLE ${qq(t.schema, name)} (${columnDdl(t, qi)}${pk}) PARTITION BY ${strategy} (${qi(t.key)});`;
}

/** New identity values continue after the highest existing id instead of restarting at 1. */
function restartIdentity(t: TableTemplate, table: string, from: string): string[] {
    const id = t.columns.find((c) => c.identity);
    if (!id) return [];
    return [
        `DO $$ BEGIN EXECUTE format('ALTER TABLE %I.%I ALTER COLUMN %I RESTART WITH %s', ${ql(t.schema)}, ${ql(table)}, ${ql(id.name)}, ` +
            `(SELECT coalesce(max(${qi(id.name)}), 0) + 1 FROM ${qq(t.schema, from)})); END $$;`,
    ];
}

export interface AttachMigration {
    /** Online: build the partition-key unique index and validate the bound, while traffic runs. */
    prepare: string[];
    /** One short transaction: the old table becomes the legacy partition, no rows are copied. */
    swap: string[];
}

/**
 * Range: the existing table is attached as one partition [LEGACY_FROM, cutover).
 * The validated CHECK lets ATTACH skip its scan, and the (id, key) unique index
 * becomes the partition's primary key, so the swap holds its lock for milliseconds.
 * `ahead` are the first partitions from the cutover on, named and bounded as
 * PartitionedTable's rolling window will expect them when it adopts the table.
 */
export function attachMigration(t: TableTemplate, cutoverDay: string, ahead: { name: string; from: string; to: string }[]): AttachMigration {
    const legacy = `${t.name}_legacy`;
    const uniq = `${t.name}_${t.primaryKey.join("_")}_key`;
    const bounds = `${legacy}_bounds`;
    const from = utcLiteral(LEGACY_FROM);
    const to = utcLiteral(cutoverDay);
    return {
        prepare: [
            `CREATE UNIQUE INDEX CONCURRENTLY ${qi(uniq)} ON ${qq(t.schema, t.name)} (${t.primaryKey.map(qi).join(", ")});`,
            `ALTER TABLE ${qq(t.schema, t.name)} ADD CONSTRAINT ${qi(bounds)} CHECK (${qi(t.key)} >= ${from} AND ${qi(t.key)} < ${to}) NOT VALID;`,
            `ALTER TABLE ${qq(t.schema, t.name)} VALIDATE CONSTRAINT ${qi(bounds)};`,
        ],
        swap: [
            "BEGIN;",
            "SET LOCAL lock_timeout = '5s';",
            `ALTER TABLE ${qq(t.schema, t.name)} DROP CONSTRAINT ${qi(`${t.name}_pkey`)}, ADD CONSTRAINT ${qi(`${legacy}_pkey`)} PRIMARY KEY USING INDEX ${qi(uniq)};`,
            `ALTER TABLE ${qq(t.schema, t.name)} RENAME TO ${qi(legacy)};`,
            createParent(t, t.name, "RANGE"),
            `ALTER TABLE ${qq(t.schema, t.name)} ATTACH PARTITION ${qq(t.schema, legacy)} FOR VALUES FROM (${from}) TO (${to});`,
            ...restartIdentity(t, t.name, legacy),
            ...ahead.map((p) => `CREATE TABLE ${qq(t.schema, p.name)} PARTITION OF ${qq(t.schema, t.name)} FOR VALUES FROM (${utcLiteral(p.from)}) TO (${utcLiteral(p.to)});`),
            `CREATE TABLE ${qq(t.schema, `${t.name}_default`)} PARTITION OF ${qq(t.schema, t.name)} DEFAULT;`,
            "COMMIT;",
        ],
    };
}

export interface CopyMigration {
    create: string[];
    /** Only with no-downtime: keeps the new table in step while the backfill runs. */
    mirror: string[];
    backfill: string[];
    swap: string[];
}

/** Where copy migrations build the partitioned table before it takes the real name. */
export const newTableName = (t: TableTemplate) => `${t.name}_new`;

/**
 * Hash and list: rows must move, so a new partitioned table is filled and
 * swapped in. With `online`, a trigger mirrors writes during a batched backfill.
 */
export function copyMigration(t: TableTemplate, create: string[], online: boolean): CopyMigration {
    const next = newTableName(t);
    const old = `${t.name}_old`;
    const cols = t.columns.map((c) => qi(c.name)).join(", ");
    const override = hasIdentity(t) ? " OVERRIDING SYSTEM VALUE" : "";
    const pkOld = `(${t.primaryKey.map((c) => `OLD.${qi(c)}`).join(", ")})`;
    const mirrorFn = qq(t.schema, `${t.name}_mirror`);
    const batchKey = qi(t.primaryKey[0]);
    const copyAll = `INSERT INTO ${qq(t.schema, next)} (${cols})${override} SELECT ${cols} FROM ${qq(t.schema, t.name)}`;
    return {
        create,
        mirror: online
            ? [
                  `CREATE FUNCTION ${mirrorFn}() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN ` +
                      `IF TG_OP IN ('UPDATE', 'DELETE') THEN DELETE FROM ${qq(t.schema, next)} WHERE (${t.primaryKey.map(qi).join(", ")}) = ${pkOld}; END IF; ` +
                      `IF TG_OP IN ('INSERT', 'UPDATE') THEN INSERT INTO ${qq(t.schema, next)} (${cols})${override} SELECT ${t.columns.map((c) => `NEW.${qi(c.name)}`).join(", ")} ON CONFLICT DO NOTHING; END IF; ` +
                      `RETURN NULL; END $$;`,
                  `CREATE TRIGGER ${qi(`${t.name}_mirror`)} AFTER INSERT OR UPDATE OR DELETE ON ${qq(t.schema, t.name)} FOR EACH ROW EXECUTE FUNCTION ${mirrorFn}();`,
              ]
            : [],
        backfill: online
            ? [
                  // Batches of 10 000 keys, each committed, so no long transaction holds back VACUUM.
                  `DO $$ DECLARE lo bigint; hi bigint; BEGIN SELECT min(${batchKey}), max(${batchKey}) INTO lo, hi FROM ${qq(t.schema, t.name)}; ` +
                      `WHILE lo <= hi LOOP ${copyAll} WHERE ${batchKey} >= lo AND ${batchKey} < lo + 10000 ON CONFLICT DO NOTHING; lo := lo + 10000; COMMIT; END LOOP; END $$;`,
              ]
            : [`${copyAll};`],
        swap: [
            "BEGIN;",
            "SET LOCAL lock_timeout = '5s';",
            `LOCK TABLE ${qq(t.schema, t.name)} IN ACCESS EXCLUSIVE MODE;`,
            ...(online ? [`DROP TRIGGER ${qi(`${t.name}_mirror`)} ON ${qq(t.schema, t.name)};`, `DROP FUNCTION ${mirrorFn}();`] : []),
            `ALTER TABLE ${qq(t.schema, t.name)} RENAME TO ${qi(old)};`,
            `ALTER TABLE ${qq(t.schema, next)} RENAME TO ${qi(t.name)};`,
            ...restartIdentity(t, t.name, old),
            "COMMIT;",
        ],
    };
}

/** Partitions are named for the final table (`user_sessions_0`), so the swap renames only the parent. */
export function hashTableDdl(t: TableTemplate, parent: string, modulus: number): string[] {
    return [
        createParent(t, parent, "HASH"),
        ...Array.from({ length: modulus }, (_, r) => `CREATE TABLE ${qq(t.schema, `${t.name}_${r}`)} PARTITION OF ${qq(t.schema, parent)} FOR VALUES WITH (MODULUS ${modulus}, REMAINDER ${r});`),
    ];
}

export function listTableDdl(t: TableTemplate, parent: string, lists: { suffix: string; values: string[] }[]): string[] {
    return [
        createParent(t, parent, "LIST"),
        ...lists.map((l) => `CREATE TABLE ${qq(t.schema, `${t.name}_${l.suffix}`)} PARTITION OF ${qq(t.schema, parent)} FOR VALUES IN (${l.values.map(ql).join(", ")});`),
        `CREATE TABLE ${qq(t.schema, `${t.name}_default`)} PARTITION OF ${qq(t.schema, parent)} DEFAULT;`,
    ];
}
