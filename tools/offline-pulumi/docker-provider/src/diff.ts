// Diff of recorded state (olds: outputs, which carry every input as given plus computed values)
// against new checked inputs, like the Terraform bridge behind the real provider does.
// Which changes replace and which update in place comes from the spec (schema.ts).
import { DiffResult } from "@pulumi/pulumi/provider";
import { CONTAINER, Field, ResourceSpec, Type } from "./schema";
import { containsUnknown, isObject, unwrapSecrets } from "./properties";

export interface StandinDiff extends DiffResult {
    /** Top-level properties that differ (replacing or not). */
    readonly changed: string[];
}

export function diffResource(spec: ResourceSpec, olds: Record<string, unknown>, news: Record<string, unknown>): StandinDiff {
    const changed: string[] = [];
    const replaces: string[] = [];
    for (const [key, field] of Object.entries(spec.fields)) {
        if (!fieldEqual(unwrapSecrets(olds[key]), news[key], field)) {
            changed.push(key);
            if ((field.change ?? "replace") === "replace") {
                replaces.push(key);
            }
        }
    }
    if (spec.token === CONTAINER && changed.includes("memory")) {
        // Docker cannot lift a memory limit on a live container (0 means "leave as is").
        const next = unwrapSecrets(news.memory);
        if (next === undefined || next === null || next === 0) {
            replaces.push("memory");
        }
    }
    return {
        changed,
        changes: changed.length > 0,
        replaces,
        deleteBeforeReplace: replaces.length > 0 && spec.deleteBeforeReplace === true,
    };
}

function absent(v: unknown): boolean {
    return v === undefined || v === null;
}

/** `n` may hold secrets and unknowns; `o` is plain. */
function fieldEqual(o: unknown, n: unknown, field: Field): boolean {
    if (containsUnknown(n)) {
        return false; // not known until the update runs: assume it changes
    }
    const plainNew = unwrapSecrets(n);
    if (absent(plainNew) && field.computed) {
        return true; // unset computed property: keeps whatever the resource has
    }
    return valueEqual(absent(o) ? field.default : o, absent(plainNew) ? field.default : plainNew, field.type);
}

function valueEqual(o: unknown, n: unknown, type: Type): boolean {
    switch (type.kind) {
        case "list": {
            const oa = Array.isArray(o) ? o : [];
            const na = Array.isArray(n) ? n : [];
            if (oa.length !== na.length) {
                return false;
            }
            if (type.set) {
                // Set semantics as in the real schema: order does not matter.
                const key = (x: unknown) => JSON.stringify(canonical(x, type.of));
                const os = oa.map(key).sort();
                const ns = na.map(key).sort();
                return os.every((x, i) => x === ns[i]);
            }
            return oa.every((x, i) => valueEqual(x, na[i], type.of));
        }
        case "object": {
            if (absent(o) || absent(n)) {
                return absent(o) === absent(n);
            }
            const oo = isObject(o) ? o : {};
            const no = isObject(n) ? n : {};
            return Object.entries(type.fields).every(([k, f]) => {
                if (absent(no[k]) && f.computed) {
                    return true; // e.g. a port's external number that Docker picked
                }
                return valueEqual(absent(oo[k]) ? f.default : oo[k], absent(no[k]) ? f.default : no[k], f.type);
            });
        }
        default:
            return JSON.stringify(canonical(o, type)) === JSON.stringify(canonical(n, type));
    }
}

/** Normal form for comparing set elements: defaults applied, keys sorted, empty == unset. */
function canonical(v: unknown, type: Type): unknown {
    if (absent(v)) {
        return null;
    }
    switch (type.kind) {
        case "list": {
            if (!Array.isArray(v) || v.length === 0) {
                return null;
            }
            const items = v.map((x) => canonical(x, type.of));
            return type.set ? items.map((x) => JSON.stringify(x)).sort() : items;
        }
        case "map": {
            if (!isObject(v) || Object.keys(v).length === 0) {
                return null;
            }
            return Object.keys(v)
                .sort()
                .map((k) => [k, v[k]]);
        }
        case "object": {
            const o = isObject(v) ? v : {};
            return Object.keys(type.fields)
                .sort()
                .map((k) => [k, canonical(absent(o[k]) ? type.fields[k].default : o[k], type.fields[k].type)]);
        }
        default:
            return v;
    }
}
