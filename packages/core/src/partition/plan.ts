import { boundsEqual, describeCatalogBound, rangeMicros, renderBound } from "./bounds";
import type { CatalogIndex, CatalogPartition, CatalogTable } from "./catalog";
import * as ddl from "./ddl";
import { partitionIndexName } from "./naming";
import * as partman from "./partman";
import {
    desiredDefaultPartition,
    explicitPartitions,
    keyColumns,
    resolvedIndexes,
    type DesiredPartition,
    type KeyColumn,
    type ResolvedIndex,
} from "./resolve";
import { isRollingPartition, rollingWindow, type RollingWindow } from "./rolling";
import type { PartitionedTableSpec } from "./spec";
import { compareTuples, normalizeKeyValue } from "./values";
import type { PartitionPlan, PlanInput, PlanRefusal, PlanStep, StepAction } from "./plan-types";
import { normalizeType } from "./type-names";

export type { PartitionPlan, PlanInput, PlanRefusal, PlanStep, StepAction } from "./plan-types";
export { planRemoval } from "./plan-removal";
export { summarizePlan } from "./plan-summary";
export { normalizeType } from "./type-names";

// The diff planner: desired spec + actual catalog -> ordered steps. It never
// decides to lose rows on its own: each step that would is either replaced by a
// keeping one (detach instead of drop) or refused, unless the spec allows it.

const DESTRUCTIVE_OR_DETACHING: ReadonlySet<StepAction> = new Set([
    "drop-table", "drop-column", "detach-partition", "drop-partition", "detach-default-partition", "drop-default-partition", "replace-primary-key",
]);

export function planPartitionedTable(input: PlanInput): PartitionPlan {
    const ctx = new Planner(input);
    ctx.run();
    return { steps: ctx.ordered(), refusals: ctx.refusals, notes: ctx.notes };
}

interface PartitionsAfter {
    /** Attached before and after the plan. */
    kept: string[];
    /** Created or attached by the plan. */
    added: string[];
}

type Phase = "columns" | "remove" | "drop-index" | "add" | "create-index" | "maintenance" | "build";
const PHASES: Phase[] = ["columns", "remove", "drop-index", "add", "create-index", "maintenance", "build"];

class Planner {
    readonly refusals: PlanRefusal[] = [];
    readonly notes: string[] = [];
    private readonly phases = new Map<Phase, PlanStep[]>(PHASES.map((p) => [p, []]));
    private readonly spec: PartitionedTableSpec;
    private readonly key: KeyColumn[];
    private readonly window: RollingWindow | null;

    constructor(private readonly input: PlanInput) {
        this.spec = input.desired;
        this.key = keyColumns(this.spec);
        this.window = rollingWindow(this.spec, input.now);
    }

    ordered(): PlanStep[] {
        return PHASES.flatMap((p) => this.phases.get(p)!);
    }

    private step(phase: Phase, action: StepAction, summary: string, statements: string[], opts: { transactional?: boolean; dataLoss?: boolean } = {}): void {
        this.phases.get(phase)!.push({ action, summary, statements, transactional: opts.transactional ?? true, dataLoss: opts.dataLoss ?? false });
    }

    private refuse(field: string, reason: string): void {
        this.refusals.push({ field, reason });
    }

    private get qualified(): string {
        return `${this.spec.schema}.${this.spec.name}`;
    }

    run(): void {
        const { catalog, intent } = this.input;
        if (!catalog.schemaExists) return this.refuse("schema", `schema "${this.spec.schema}" does not exist; create it first`);
        const desired = this.desiredPartitions();
        const table = catalog.table;
        if (!table) return this.planCreate(desired);
        if (intent === "create" && !this.spec.adoptExisting) {
            return this.refuse("adoptExisting", `${this.qualified} already exists; set adoptExisting: true to manage the existing table (pulumi import of a PartitionedTable)`);
        }
        if (table.kind !== "partitioned") {
            return this.refuse("name", `${this.qualified} exists and is ${table.kind === "table" ? "an ordinary (not partitioned) table" : "not a table"}; pgscale does not convert tables in place`);
        }
        if (this.keyChanged(table)) {
            this.planRecreate(table, desired);
        } else {
            this.planUpdate(table, desired);
        }
        if (intent === "create") this.checkAdoption();
    }

    /** Explicit partitions plus the rolling window (which yields to an explicit partition of the same name). */
    private desiredPartitions(): DesiredPartition[] {
        if (this.spec.maintenance) return [];
        const explicit = explicitPartitions(this.spec);
        if (!this.window) return explicit;
        const names = new Set(explicit.map((p) => p.name));
        const rolling = this.window.partitions.filter((p) => !names.has(p.name));
        for (const w of rolling) {
            for (const e of explicit) {
                if (e.bound.kind === "range" && w.bound.kind === "range" && this.rangesOverlap(w.bound, e.bound)) {
                    this.refuse(`partitions[${e.origin}]`, `overlaps the rolling window's partition "${w.name}" (${renderBound(w.bound)}); drop the explicit partition or move it out of the window`);
                }
            }
        }
        return [...explicit, ...rolling];
    }

    private rangesOverlap(a: { from: (string | number)[]; to: (string | number)[] }, b: { from: (string | number)[]; to: (string | number)[] }): boolean {
        const n = (vs: (string | number)[]) => vs.map((v, i) => normalizeKeyValue(this.key[i]?.kind ?? "opaque", v)).map((r) => (r.ok ? r.value : { key: "", order: null }));
        const c1 = compareTuples(n(a.from), n(b.to));
        const c2 = compareTuples(n(b.from), n(a.to));
        return c1 !== null && c2 !== null && c1 < 0 && c2 < 0;
    }

    private keyChanged(table: CatalogTable): boolean {
        const want = this.spec.partitionBy;
        return table.strategy !== want.strategy || table.keyColumns.length !== want.columns.length || table.keyColumns.some((c, i) => c !== want.columns[i]);
    }

    private planCreate(desired: DesiredPartition[]): void {
        const spec = this.spec;
        const standalone = new Set(this.input.catalog.standaloneTables);
        this.step("add", "create-table", `+ create table ${this.qualified} PARTITION BY ${spec.partitionBy.strategy.toUpperCase()} (${spec.partitionBy.columns.join(", ")})`, [ddl.createTableSql(spec)]);
        for (const p of desired) this.addPartition(p, standalone);
        const def = desiredDefaultPartition(spec);
        if (def) this.addDefault(def, standalone);
        for (const ix of resolvedIndexes(spec)) {
            this.step("create-index", "create-index", `+ create index ${ix.name} on ${this.qualified} (${ix.columns.join(", ")}) and its partitions`, [ddl.createIndexSql(spec, ix)]);
        }
        if (spec.maintenance) this.planPartman();
    }

    private planRecreate(table: CatalogTable, desired: DesiredPartition[]): void {
        const was = `${table.strategy?.toUpperCase() ?? "?"} (${table.keyColumns.map((c) => c ?? "<expression>").join(", ")})`;
        const will = `${this.spec.partitionBy.strategy.toUpperCase()} (${this.spec.partitionBy.columns.join(", ")})`;
        if (this.input.intent === "create") {
            return this.refuse("partitionBy", `the existing table is partitioned by ${was}, the spec says ${will}; adopt it with its own partitioning`);
        }
        if (table.hasRows && !this.spec.dataLoss.recreateOnKeyChange) {
            return this.refuse(
                "partitionBy",
                `${this.qualified} is partitioned by ${was} and holds rows; PostgreSQL cannot change a table's partitioning, so ${will} means dropping the table and its rows. ` +
                    "Migrate the data yourself (create a new table, copy, swap names), or set dataLoss.recreateOnKeyChange: true to drop and recreate it",
            );
        }
        if (this.input.catalog.partman) this.stopPartman();
        const rows = table.hasRows ? "; deletes all its rows" : "; it holds no rows";
        // Without the option, the drop is only safe while the table stays empty: checked under lock.
        const guard = this.spec.dataLoss.recreateOnKeyChange ? [] : ddl.assertEmptySql(this.spec.schema, this.spec.name);
        this.step("remove", "drop-table", `${table.hasRows ? "!" : "-"} drop table ${this.qualified} with its ${table.partitions.length + (table.defaultPartition ? 1 : 0)} partitions (partitioning changes from ${was} to ${will})${rows}`, [...guard, ddl.dropTableSql(this.spec.schema, this.spec.name)], { dataLoss: table.hasRows });
        this.planCreate(desired);
    }

    private planUpdate(table: CatalogTable, desired: DesiredPartition[]): void {
        this.planColumns(table);
        this.planPrimaryKey(table);
        const partitions = this.spec.maintenance ? this.partmanPartitions(table) : this.planPartitions(table, desired);
        this.planIndexes(table, partitions);
        if (this.spec.maintenance) this.planPartman();
        else if (this.input.catalog.partman) this.stopPartman();
    }

    private planColumns(table: CatalogTable): void {
        const spec = this.spec;
        const canonical = this.input.catalog.canonicalColumns;
        const implicitNotNull = new Set([...(spec.primaryKey ?? [])]);
        spec.columns.forEach((c, i) => {
            const have = table.columns.find((a) => a.name === c.name);
            if (!have) {
                this.step("columns", "add-column", `+ add column ${c.name} ${c.type}`, [ddl.addColumnSql(spec, c)]);
                return;
            }
            const wantType = canonical?.[c.name]?.type ?? c.type;
            if (normalizeType(wantType) !== normalizeType(have.type)) {
                this.refuse(`columns[${i}].type`, `column "${c.name}" is ${have.type} in the database; pgscale does not change column types (a rewrite that can fail or lose precision). Use a migration, or declare ${have.type}`);
            }
            if ((c.identity ?? null) !== have.identity) {
                this.refuse(`columns[${i}].identity`, `column "${c.name}" is ${have.identity ? `GENERATED ${have.identity.toUpperCase()} AS IDENTITY` : "not an identity column"} in the database; pgscale does not change identity columns`);
            }
            const wantNotNull = c.notNull || implicitNotNull.has(c.name) || c.identity !== undefined;
            if (wantNotNull !== have.notNull) {
                this.step("columns", "alter-column", `~ column ${c.name}: ${wantNotNull ? "set" : "drop"} NOT NULL`, [ddl.setNotNullSql(spec, c.name, wantNotNull)]);
            }
            const wantDefault = c.default === undefined ? null : (canonical?.[c.name]?.default ?? c.default.trim());
            if (c.identity === undefined && wantDefault !== have.default) {
                this.step("columns", "alter-column", `~ column ${c.name}: ${c.default === undefined ? "drop default" : `default ${c.default}`}`, [ddl.setDefaultSql(spec, c.name, c.default)]);
            }
        });
        for (const have of table.columns) {
            if (spec.columns.some((c) => c.name === have.name)) continue;
            if (spec.dataLoss.dropRemovedColumns) {
                this.step("columns", "drop-column", `! drop column ${have.name} (deletes its values)`, [ddl.dropColumnSql(spec, have.name)], { dataLoss: true });
            } else {
                this.refuse("columns", `column "${have.name}" exists in the database but not in the spec; dropping it deletes its values. Declare it, or set dataLoss.dropRemovedColumns: true`);
            }
        }
    }

    private planPrimaryKey(table: CatalogTable): void {
        const want = this.spec.primaryKey ?? null;
        const have = table.primaryKey?.columns ?? null;
        if (JSON.stringify(want) === JSON.stringify(have)) return;
        const statements: string[] = [];
        if (table.primaryKey) statements.push(ddl.dropConstraintSql(this.spec, table.primaryKey.name));
        if (want) statements.push(ddl.addPrimaryKeySql(this.spec, want));
        const what = want ? `(${want.join(", ")})` : "none";
        this.step("columns", "replace-primary-key", `~ primary key ${have ? `(${have.join(", ")})` : "none"} -> ${what} (rebuilds the unique index on every partition; locks the table meanwhile)`, statements);
    }

    /** Plans partition changes; returns the partitions attached after phase 1, split by whether they predate it. */
    private planPartitions(table: CatalogTable, desired: DesiredPartition[]): PartitionsAfter {
        const spec = this.spec;
        const kinds = this.key.map((k) => k.kind);
        const standalone = new Set(this.input.catalog.standaloneTables);
        const wanted = new Map(desired.map((p) => [p.name, p]));
        const remaining: string[] = [];
        const additions: DesiredPartition[] = [];

        for (const have of table.partitions) {
            const want = wanted.get(have.name);
            if (want) {
                if (boundsEqual(want.bound, have.bound, kinds)) {
                    remaining.push(have.name);
                } else if (spec.dataLoss.dropRemovedPartitions) {
                    this.step("remove", "drop-partition", `! drop partition ${have.name} ${describeCatalogBound(have.bound)} to recreate it with new bounds (deletes its rows)`, [ddl.dropTableSql(spec.schema, have.name)], { dataLoss: true });
                    additions.push(want);
                } else {
                    this.refuse(
                        want.origin === "rolling" ? "rolling" : `partitions[${want.origin}]`,
                        `partition "${have.name}" exists with ${describeCatalogBound(have.bound)} but the spec says ${renderBound(want.bound)}; pgscale does not move rows between bounds. ` +
                            "Give the new bounds a new name (the old partition is then detached, rows kept), or set dataLoss.dropRemovedPartitions: true to drop and recreate it",
                    );
                    remaining.push(have.name);
                }
                continue;
            }
            if (this.keepAsRolling(have)) {
                remaining.push(have.name);
                continue;
            }
            const expired = this.window ? this.expired(have) : false;
            const drop = expired ? spec.rolling!.onExpire === "drop" : spec.dataLoss.dropRemovedPartitions;
            const why = expired ? `expired: older than ${spec.rolling!.retention}` : "not in the spec";
            if (drop) {
                this.step("remove", "drop-partition", `! drop partition ${have.name} ${describeCatalogBound(have.bound)} (${why}; deletes its rows)`, [ddl.dropTableSql(spec.schema, have.name)], { dataLoss: true });
            } else {
                this.step("remove", "detach-partition", `- detach partition ${have.name} ${describeCatalogBound(have.bound)} (${why}; the table and its rows are kept)`, [ddl.detachPartitionSql(spec, have.name)]);
            }
        }
        for (const p of desired) if (!table.partitions.some((h) => h.name === p.name)) additions.push(p);

        const wantDefault = desiredDefaultPartition(spec);
        const haveDefault = table.defaultPartition;
        if (haveDefault && haveDefault !== wantDefault) {
            if (spec.dataLoss.dropRemovedPartitions) {
                this.step("remove", "drop-default-partition", `! drop default partition ${haveDefault} (not in the spec; deletes its rows)`, [ddl.dropTableSql(spec.schema, haveDefault)], { dataLoss: true });
            } else {
                this.step("remove", "detach-default-partition", `- detach default partition ${haveDefault} (not in the spec; the table and its rows are kept)`, [ddl.detachPartitionSql(spec, haveDefault)]);
            }
        }
        const keptDefault = haveDefault && haveDefault === wantDefault ? haveDefault : null;
        // PostgreSQL refuses a new partition while the default holds rows of its range:
        // take the default out, add the partitions, move those rows, put it back.
        const moveRows = keptDefault !== null && additions.length > 0;
        if (moveRows) {
            this.step("add", "move-default-rows", `~ detach default partition ${keptDefault} while partitions are added`, [ddl.detachPartitionSql(spec, keptDefault)]);
        }
        for (const p of additions) this.addPartition(p, standalone);
        if (moveRows) {
            this.step(
                "add",
                "move-default-rows",
                `~ move rows of the new ranges from ${keptDefault} into the new partitions, then re-attach ${keptDefault} as default`,
                [ddl.moveDefaultRowsSql(spec, this.key, keptDefault, additions.map((p) => p.bound)), ddl.attachPartitionSql(spec, keptDefault, "default")],
            );
        }
        if (wantDefault && wantDefault !== haveDefault) this.addDefault(wantDefault, standalone);
        return {
            kept: keptDefault ? [...remaining, keptDefault] : remaining,
            added: [...additions.map((p) => p.name), ...(wantDefault && !keptDefault ? [wantDefault] : [])],
        };
    }

    /** In pg_partman mode its partitions are not ours to add or remove; they only need our indexes. */
    private partmanPartitions(table: CatalogTable): PartitionsAfter {
        return { kept: [...table.partitions.map((p) => p.name), ...(table.defaultPartition ? [table.defaultPartition] : [])], added: [] };
    }

    /** A partition of the window's shape that has not expired: behind the window, but still within retention. */
    private keepAsRolling(p: CatalogPartition): boolean {
        if (!this.window) return false;
        const r = rangeMicros(p.bound, this.window.kind);
        if (!r || !isRollingPartition(this.spec.name, p.name, r.from, r.to, this.window.interval)) return false;
        return !this.expired(p);
    }

    private expired(p: CatalogPartition): boolean {
        if (!this.window?.expireBefore) return false;
        const r = rangeMicros(p.bound, this.window.kind);
        if (!r || !isRollingPartition(this.spec.name, p.name, r.from, r.to, this.window.interval)) return false;
        return r.to <= BigInt(this.window.expireBefore.getTime()) * 1000n;
    }

    /** A name another relation holds makes the CREATE fail; say so before anything runs. */
    private nameTaken(name: string, field: string): boolean {
        const what = this.input.catalog.takenNames?.[name];
        if (what) this.refuse(field, `"${name}" is already taken in schema "${this.spec.schema}" by ${what}; choose another name`);
        return what !== undefined;
    }

    private addPartition(p: DesiredPartition, standalone: Set<string>): void {
        if (this.nameTaken(p.name, p.origin === "rolling" ? "rolling" : `partitions[${p.origin}]`)) return;
        const bound = renderBound(p.bound);
        if (standalone.has(p.name)) {
            this.step("add", "attach-partition", `+ attach existing table ${p.name} ${bound} (PostgreSQL checks its rows fit)`, [ddl.attachPartitionSql(this.spec, p.name, p.bound)]);
        } else {
            this.step("add", "create-partition", `+ create partition ${p.name} ${bound}`, [ddl.createPartitionSql(this.spec, p)]);
        }
    }

    private addDefault(name: string, standalone: Set<string>): void {
        if (this.nameTaken(name, "defaultPartition")) return;
        if (standalone.has(name)) {
            this.step("add", "attach-default-partition", `+ attach existing table ${name} as the default partition`, [ddl.attachPartitionSql(this.spec, name, "default")]);
        } else {
            this.step("add", "create-default-partition", `+ create default partition ${name}`, [ddl.createDefaultPartitionSql(this.spec, name)]);
        }
    }

    /**
     * New indexes: ON ONLY the parent (no long lock), then each partition's index
     * CONCURRENTLY and attached; the parent's index turns valid with the last attach.
     * The same path resumes an interrupted build.
     */
    private planIndexes(table: CatalogTable, partitions: PartitionsAfter): void {
        const spec = this.spec;
        const have = table.indexes.filter((i) => !i.primary);
        const desired = resolvedIndexes(spec);
        const previous = new Set(this.input.previous ? resolvedIndexes(this.input.previous).map((i) => i.name) : []);
        for (const ix of desired) {
            const current = have.find((h) => h.name === ix.name);
            // An index that already exists reaches partitions added in phase 1 by itself;
            // a new one (created after them) needs every partition built.
            let targets = [...partitions.kept, ...partitions.added];
            if (current && sameIndex(current, ix)) {
                targets = partitions.kept.filter((p) => !current.attachedPartitions.includes(p));
                if (targets.length === 0) continue;
            } else if (current) {
                this.step("drop-index", "drop-index", `~ drop index ${ix.name} to rebuild it as (${ix.columns.join(", ")})${ix.unique ? " UNIQUE" : ""} USING ${ix.method}`, [ddl.dropIndexSql(spec.schema, ix.name)]);
            }
            if (!current || !sameIndex(current, ix)) {
                this.step("create-index", "create-index", `+ create index ${ix.name} on only ${this.qualified} (${ix.columns.join(", ")}); valid once every partition's index is attached`, [ddl.createIndexOnOnlySql(spec, ix)]);
            }
            for (const p of targets) {
                const child = partitionIndexName(spec.name, p, ix.name);
                this.step("build", "build-index", `+ build index ${child} on ${p} concurrently and attach it to ${ix.name}`, ddl.buildPartitionIndexSql(spec.schema, p, child, ix), { transactional: false });
            }
        }
        for (const h of have) {
            if (desired.some((d) => d.name === h.name)) continue;
            if (previous.has(h.name)) {
                this.step("drop-index", "drop-index", `- drop index ${h.name} (removed from the spec)`, [ddl.dropIndexSql(spec.schema, h.name)]);
            } else {
                this.notes.push(`index ${h.name} is not in the spec and was not created by pgscale; left alone`);
            }
        }
    }

    private planPartman(): void {
        const { catalog } = this.input;
        const m = this.spec.maintenance!;
        if (!catalog.extensions.partman.available) {
            return this.refuse("maintenance", "pg_partman is not installed on the server (Debian: postgresql-<major>-partman, e.g. postgresql-17-partman; pgscale's images have it)");
        }
        const schema = catalog.extensions.partman.schema ?? "partman";
        if (!catalog.partman) {
            this.step(
                "maintenance",
                "setup-partman",
                `+ register ${this.qualified} with pg_partman: ${m.interval} partitions, premake ${m.premake}${m.retention ? `, retention ${m.retention} (${m.onExpire})` : ""}`,
                [...(catalog.extensions.partman.schema ? [] : partman.ensurePartmanSql(schema)), partman.createParentSql(schema, this.spec, catalog.extensions.partman.version), partman.configurePartmanSql(schema, this.spec)],
            );
        } else {
            const have = catalog.partman;
            if (partman.intervalKey(have.interval) !== partman.intervalKey(m.interval)) {
                this.refuse("maintenance.interval", `pg_partman manages ${this.qualified} with interval ${have.interval}; it cannot change the interval of an existing partition set`);
            }
            const retentionDiffers = (have.retention === null) !== (m.retention === undefined) || (m.retention !== undefined && have.retention !== null && partman.intervalKey(have.retention) !== partman.intervalKey(m.retention));
            if (have.premake !== m.premake || retentionDiffers || have.retentionKeepTable !== (m.onExpire === "detach")) {
                this.step("maintenance", "configure-partman", `~ pg_partman: premake ${m.premake}, retention ${m.retention ?? "none"} (${m.onExpire})`, [partman.configurePartmanSql(schema, this.spec)]);
            }
        }
        if (!catalog.extensions.cron.usableHere) {
            this.notes.push("pg_cron is not available in this database: schedule partman.run_maintenance() yourself (pg_cron in cron.database_name, or pg_partman's background worker)");
            return;
        }
        const command = partman.maintenanceCommand(schema, this.spec);
        const job = catalog.cronJob;
        if (!job || job.schedule !== m.schedule || job.command !== command) {
            this.step("maintenance", "schedule-maintenance", `+ schedule pg_partman maintenance with pg_cron at '${m.schedule}'`, [
                ...(catalog.extensions.cron.installed ? [] : ["CREATE EXTENSION IF NOT EXISTS pg_cron"]),
                partman.scheduleMaintenanceSql(this.spec, m.schedule, command),
            ]);
        }
    }

    private stopPartman(): void {
        const { catalog } = this.input;
        const schema = catalog.extensions.partman.schema ?? "partman";
        this.step("remove", "stop-partman", `- stop pg_partman maintenance of ${this.qualified} (its partitions stay)`, [
            ...(catalog.cronJob ? [partman.unscheduleMaintenanceSql(this.spec)] : []),
            ...partman.forgetPartmanSql(schema, this.spec),
        ]);
    }

    /** Adoption is an import: it may add what the spec has and the table lacks, never take anything away. */
    private checkAdoption(): void {
        for (const s of this.ordered()) {
            if (DESTRUCTIVE_OR_DETACHING.has(s.action)) {
                this.refuse("adoptExisting", `adopting ${this.qualified} would ${s.summary.replace(/^[-!~+] /, "")}; make the spec describe the existing table first`);
            }
        }
    }
}

function sameIndex(have: CatalogIndex, want: ResolvedIndex): boolean {
    return have.unique === want.unique && have.method === want.method && JSON.stringify(have.columns) === JSON.stringify(want.columns);
}
