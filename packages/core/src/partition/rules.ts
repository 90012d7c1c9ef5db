import { identifierProblem } from "../sql/quote";
import { parseInterval } from "./interval";
import { rollingPartitionName } from "./naming";
import { desiredDefaultPartition, explicitPartitions, keyColumns, resolvedIndexes, type KeyColumn } from "./resolve";
import type { PartitionedTableSpec } from "./spec";
import { compareTuples, normalizeKeyValue, type KeyValue, type NormalizedValue } from "./values";

// Cross-field rules of a PartitionedTable spec. Each issue names the field to fix.
// Everything PostgreSQL would refuse at CREATE is caught here, before any resource
// is registered, where we can say which field is wrong.

export interface SpecIssue {
    path: (string | number)[];
    message: string;
}

type Spec = PartitionedTableSpec;

export function partitionedTableIssues(spec: Spec): SpecIssue[] {
    const issues: SpecIssue[] = [];
    const add = (path: (string | number)[], message: string) => issues.push({ path, message });
    const columnNames = new Set(spec.columns.map((c) => c.name));

    columnRules(spec, add);
    keyRules(spec, columnNames, add);
    const key = keyColumns(spec);
    const keyNames = spec.partitionBy.columns;
    const missingKey = (cols: readonly string[]) => keyNames.filter((k) => !cols.includes(k));

    if (spec.primaryKey) {
        spec.primaryKey.forEach((c, i) => {
            if (!columnNames.has(c)) add(["primaryKey", i], `"${c}" is not a column`);
        });
        const missing = missingKey(spec.primaryKey);
        if (missing.length) add(["primaryKey"], `must include the partition column(s) ${list(missing)}: PostgreSQL enforces uniqueness per partition only`);
    }
    const indexNames = new Map<string, number>();
    resolvedIndexes(spec).forEach((ix, i) => {
        ix.columns.forEach((c, j) => {
            if (!columnNames.has(c)) add(["indexes", i, "columns", j], `"${c}" is not a column`);
        });
        if (ix.unique) {
            const missing = missingKey(ix.columns);
            if (missing.length) add(["indexes", i, "columns"], `a unique index must include the partition column(s) ${list(missing)}`);
        }
        const seen = indexNames.get(ix.name);
        if (seen !== undefined) add(["indexes", i, "name"], `index name "${ix.name}" is also used by indexes[${seen}]`);
        else indexNames.set(ix.name, i);
    });

    if (spec.rolling && spec.maintenance) add(["maintenance"], "use either rolling (pgscale keeps the window) or maintenance (pg_partman does); not both");
    if (key.every((k) => columnNames.has(k.name))) {
        entryShapeRules(spec, add);
        switch (spec.partitionBy.strategy) {
            case "range":
                rangeRules(spec, key, add);
                break;
            case "list":
                listRules(spec, key, add);
                break;
            case "hash":
                hashRules(spec, add);
                break;
        }
        if (spec.rolling) rollingRules(spec, key, add);
        if (spec.maintenance) maintenanceRules(spec, key, add);
    }
    nameRules(spec, add);
    return issues;
}

type Add = (path: (string | number)[], message: string) => void;

function columnRules(spec: Spec, add: Add): void {
    const seen = new Map<string, number>();
    spec.columns.forEach((c, i) => {
        const prev = seen.get(c.name);
        if (prev !== undefined) add(["columns", i, "name"], `column "${c.name}" is already declared at columns[${prev}]`);
        else seen.set(c.name, i);
        if (c.identity) {
            if (!/^(smallint|integer|int|int2|int4|int8|bigint)$/i.test(c.type.trim())) add(["columns", i, "identity"], `identity columns must be smallint, integer or bigint, not ${c.type}`);
            if (c.default !== undefined) add(["columns", i, "default"], "an identity column cannot also have a default");
        }
    });
}

function keyRules(spec: Spec, columnNames: Set<string>, add: Add): void {
    const seen = new Set<string>();
    spec.partitionBy.columns.forEach((c, i) => {
        if (!columnNames.has(c)) add(["partitionBy", "columns", i], `"${c}" is not a column`);
        if (seen.has(c)) add(["partitionBy", "columns", i], `"${c}" is listed twice`);
        seen.add(c);
    });
}

/** Which fields each strategy takes, so a list entry with from/to is named rather than ignored. */
function entryShapeRules(spec: Spec, add: Add): void {
    const strategy = spec.partitionBy.strategy;
    const allowed: Record<typeof strategy, string[]> = {
        range: ["name", "from", "to"],
        list: ["name", "values"],
        hash: ["name", "modulus", "remainder"],
    };
    spec.partitions.forEach((e, i) => {
        for (const [field, value] of Object.entries(e)) {
            if (value !== undefined && !allowed[strategy].includes(field)) add(["partitions", i, field], `${strategy} partitions take ${allowed[strategy].join(", ")}; not ${field}`);
        }
        if (strategy === "hash") {
            if (e.modulus === undefined) add(["partitions", i, "modulus"], "hash partitions need a modulus");
            if ((e.name === undefined) !== (e.remainder === undefined)) {
                add(["partitions", i, e.name === undefined ? "name" : "remainder"], "give both name and remainder, or only modulus to create every remainder");
            }
            return;
        }
        if (e.name === undefined) add(["partitions", i, "name"], "is required");
        if (strategy === "range") {
            if (e.from === undefined) add(["partitions", i, "from"], "is required for range partitions");
            if (e.to === undefined) add(["partitions", i, "to"], "is required for range partitions");
        }
        if (strategy === "list" && e.values === undefined) add(["partitions", i, "values"], "is required for list partitions");
    });
}

function normalizeTuple(key: KeyColumn[], values: KeyValue[], path: (string | number)[], add: Add): NormalizedValue[] | null {
    if (values.length !== key.length) {
        add(path, `needs ${key.length} value(s), one per partition column (${list(key.map((k) => k.name))}); got ${values.length}`);
        return null;
    }
    const out: NormalizedValue[] = [];
    for (let i = 0; i < key.length; i++) {
        const n = normalizeKeyValue(key[i].kind, values[i]);
        if (!n.ok) {
            add(key.length === 1 ? path : [...path, i], `${n.problem} (column "${key[i].name}" is ${key[i].type})`);
            return null;
        }
        out.push(n.value);
    }
    return out;
}

function rangeRules(spec: Spec, key: KeyColumn[], add: Add): void {
    interface R { i: number; name: string; from: NormalizedValue[]; to: NormalizedValue[] }
    const ranges: R[] = [];
    spec.partitions.forEach((e, i) => {
        if (e.from === undefined || e.to === undefined) return;
        const from = normalizeTuple(key, Array.isArray(e.from) ? e.from : [e.from], ["partitions", i, "from"], add);
        const to = normalizeTuple(key, Array.isArray(e.to) ? e.to : [e.to], ["partitions", i, "to"], add);
        if (!from || !to) return;
        const cmp = compareTuples(from, to);
        const same = from.every((v, k) => v.key === to[k].key);
        if (same || (cmp !== null && cmp > 0)) {
            add(["partitions", i], `from must be lower than to (from is inclusive, to exclusive): ${show(e.from)} >= ${show(e.to)}`);
            return;
        }
        if (cmp !== null) ranges.push({ i, name: e.name ?? `partitions[${i}]`, from, to });
    });
    ranges.sort((a, b) => compareTuples(a.from, b.from) ?? 0);
    // Sweep by lower bound; `reach` is the partition that extends furthest so far.
    let reach: R | undefined;
    for (const r of ranges) {
        if (reach) {
            const c = compareTuples(r.from, reach.to)!;
            if (c < 0) add(["partitions", r.i], `range overlaps partitions[${reach.i}] ("${reach.name}")`);
            else if (c > 0 && spec.partitionBy.strategy === "range" && spec.partitionBy.contiguous) {
                add(["partitions", r.i, "from"], `leaves a gap after partitions[${reach.i}] ("${reach.name}"); partitionBy.contiguous requires each from to equal the previous to`);
            }
        }
        if (!reach || compareTuples(r.to, reach.to)! > 0) reach = r;
    }
}

function listRules(spec: Spec, key: KeyColumn[], add: Add): void {
    const seen = new Map<string, number>();
    spec.partitions.forEach((e, i) => {
        (e.values ?? []).forEach((v, k) => {
            const n = normalizeKeyValue(key[0].kind, v);
            if (!n.ok) return add(["partitions", i, "values", k], `${n.problem} (column "${key[0].name}" is ${key[0].type})`);
            const prev = seen.get(n.value.key);
            if (prev !== undefined) add(["partitions", i, "values", k], `${show(v)} is already listed in partitions[${prev}]${prev === i ? "" : ` ("${spec.partitions[prev].name}")`}`);
            else seen.set(n.value.key, i);
        });
    });
}

function hashRules(spec: Spec, add: Add): void {
    if (spec.defaultPartition !== false) add(["defaultPartition"], "hash-partitioned tables cannot have a default partition");
    const parts = explicitPartitions(spec);
    for (const p of parts) {
        if (p.bound.kind === "hash" && p.bound.remainder >= p.bound.modulus) {
            add(["partitions", p.origin as number, "remainder"], `must be lower than the modulus (${p.bound.modulus})`);
        }
    }
    const moduli = [...new Set(parts.map((p) => (p.bound.kind === "hash" ? p.bound.modulus : 0)))].sort((a, b) => a - b);
    for (let k = 1; k < moduli.length; k++) {
        if (moduli[k] % moduli[k - 1] !== 0) {
            const at = parts.find((p) => p.bound.kind === "hash" && p.bound.modulus === moduli[k])!;
            add(["partitions", at.origin as number, "modulus"], `every modulus must be a factor of the next larger one: ${moduli[k - 1]} does not divide ${moduli[k]}`);
        }
    }
    for (let a = 0; a < parts.length; a++) {
        for (let b = a + 1; b < parts.length; b++) {
            const x = parts[a].bound, y = parts[b].bound;
            if (x.kind !== "hash" || y.kind !== "hash") continue;
            const [small, big] = x.modulus <= y.modulus ? [x, y] : [y, x];
            if (big.modulus % small.modulus === 0 && big.remainder % small.modulus === small.remainder) {
                add(["partitions", parts[b].origin as number], `hash partition "${parts[b].name}" (modulus ${y.modulus}, remainder ${y.remainder}) overlaps "${parts[a].name}" (modulus ${x.modulus}, remainder ${x.remainder})`);
            }
        }
    }
}

function rollingRules(spec: Spec, key: KeyColumn[], add: Add): void {
    if (spec.partitionBy.strategy !== "range" || key.length !== 1 || !["date", "timestamp", "timestamptz"].includes(key[0].kind)) {
        add(["rolling"], "a rolling window needs range partitioning on one date, timestamp or timestamptz column");
        return;
    }
    const iv = parseInterval(spec.rolling!.interval);
    if (iv) {
        const sample = rollingPartitionName(spec.name, new Date(Date.UTC(2000, 0, 1)), iv);
        const p = identifierProblem(sample);
        if (p) add(["name"], `rolling partition names such as "${sample}" ${p}; use a shorter table name`);
    }
}

function maintenanceRules(spec: Spec, key: KeyColumn[], add: Add): void {
    const m = spec.maintenance!;
    if (spec.partitionBy.strategy !== "range" || key.length !== 1) {
        add(["maintenance"], "pg_partman needs range partitioning on one column");
        return;
    }
    if (spec.partitions.length > 0) add(["partitions"], "pg_partman creates the partitions in maintenance mode; leave partitions empty");
    if (typeof spec.defaultPartition === "object") add(["defaultPartition"], "pg_partman names the default partition itself (table_default)");
    // pg_partman takes the parent as 'schema.table' text and splits it on '.'.
    for (const field of ["schema", "name"] as const) {
        if (!/^[a-z_][a-z0-9_]*$/.test(spec[field])) add([field], "pg_partman needs a lower-case name of a-z, 0-9 and _");
    }
    const time = ["date", "timestamp", "timestamptz"].includes(key[0].kind);
    if (!time && key[0].kind !== "integer") {
        add(["partitionBy", "columns", 0], `pg_partman partitions by time or integer columns; "${key[0].name}" is ${key[0].type}`);
        return;
    }
    for (const field of ["interval", "retention"] as const) {
        const v = m[field];
        if (v === undefined) continue;
        const ok = time ? typeof v === "string" && parseInterval(v) !== null : /^[1-9]\d*$/.test(String(v));
        if (!ok) add(["maintenance", field], time ? 'must be an interval such as "1 day" or "1 month" (the key is a time column)' : "must be a positive integer (the key is an integer column)");
    }
}

/** Partition names are unique, differ from the table, and fit PostgreSQL's limit once derived. */
function nameRules(spec: Spec, add: Add): void {
    const seen = new Map<string, string>();
    const claim = (name: string, path: (string | number)[], what: string) => {
        if (name === spec.name) add(path, `partition "${name}" has the name of the table`);
        const prev = seen.get(name);
        if (prev !== undefined) add(path, `partition name "${name}" is also used by ${prev}`);
        else seen.set(name, what);
        const p = identifierProblem(name);
        if (p) add(path, `derived partition name "${name}" ${p}`);
    };
    for (const p of explicitPartitions(spec)) claim(p.name, ["partitions", p.origin as number], `partitions[${p.origin}]`);
    const def = desiredDefaultPartition(spec);
    if (def) claim(def, ["defaultPartition"], "the default partition");
}

function list(names: readonly string[]): string {
    return names.map((n) => `"${n}"`).join(", ");
}

function show(v: unknown): string {
    return JSON.stringify(v);
}
