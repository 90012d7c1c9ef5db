// Pure input handling: autonaming in check (as the real provider: `<name>-<8 random chars>`, marked
// with the pulumi.com/autonamed annotation and kept across updates), and diff of old and new inputs
// into changed and replacing top-level properties.
import { randomBytes } from "crypto";
import { wire } from "@pgscale-tooling/pulumi-docker-standin";
import { KindInfo } from "./kinds";

type Obj = Record<string, unknown>;
const o = (v: unknown): Obj => (wire.isObject(v) ? v : {});

export const AUTONAMED = "pulumi.com/autonamed";

export function autoname(resourceName: string, olds: Obj, news: Obj): Obj {
    const meta = { ...o(news.metadata) };
    if (meta.name !== undefined && meta.name !== null && meta.name !== "") {
        return news;
    }
    const oldMeta = o(olds.metadata);
    const keep = o(oldMeta.annotations)[AUTONAMED] === "true" && typeof oldMeta.name === "string" ? oldMeta.name : undefined;
    const name = keep ?? `${resourceName}-${randomBytes(4).toString("hex")}`;
    return { ...news, metadata: { ...meta, name, annotations: { ...o(meta.annotations), [AUTONAMED]: "true" } } };
}

/** Deep equality of wire values; secret wrappers compare by their contents. */
export function sameValue(a: unknown, b: unknown): boolean {
    const x = wire.unwrapSecrets(a), y = wire.unwrapSecrets(b);
    if (x === wire.UNKNOWN || y === wire.UNKNOWN) return false;
    if (Array.isArray(x) || Array.isArray(y)) {
        return Array.isArray(x) && Array.isArray(y) && x.length === y.length && x.every((v, i) => sameValue(v, y[i]));
    }
    if (wire.isObject(x) || wire.isObject(y)) {
        if (!wire.isObject(x) || !wire.isObject(y)) return false;
        const keys = new Set([...Object.keys(x), ...Object.keys(y)]);
        return [...keys].every((k) => sameValue(x[k], y[k]));
    }
    return (x ?? null) === (y ?? null);
}

function at(v: unknown, dotted: string): unknown {
    return dotted.split(".").reduce<unknown>((cur, k) => o(wire.unwrapSecrets(cur))[k], v);
}

export interface InputDiff {
    changes: boolean;
    replaces: string[];
    deleteBeforeReplace: boolean;
}

export function diffInputs(k: KindInfo, olds: Obj, news: Obj): InputDiff {
    const keys = new Set([...Object.keys(olds), ...Object.keys(news)].filter((x) => x !== "status"));
    const changed = [...keys].filter((key) => !sameValue(olds[key], news[key]));
    const replaces: string[] = [];
    for (const p of ["metadata.name", "metadata.namespace", ...k.replaceOn]) {
        if (!sameValue(at(olds, p), at(news, p))) replaces.push(p);
    }
    if (!sameValue(olds.apiVersion, news.apiVersion) || !sameValue(olds.kind, news.kind)) replaces.push("kind");
    // A fixed name cannot exist twice: the old object goes first (the real provider does the same).
    const autonamed = o(o(news.metadata).annotations)[AUTONAMED] === "true";
    return { changes: changed.length > 0, replaces, deleteBeforeReplace: replaces.length > 0 && !autonamed };
}
