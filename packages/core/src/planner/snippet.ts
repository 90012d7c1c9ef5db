import { ConstructConfig } from "./types";

// Renders the plan's constructs as a Pulumi TypeScript program. The args are
// printed from the same data the plan returns, so the two cannot disagree.

export function varName(resourceName: string): string {
    return resourceName.replace(/[-_]+([a-z0-9])/g, (_, c: string) => c.toUpperCase());
}

/** `lb.primaryUri` -> `lb.primaryUri`, `read-pool` -> `readPool`, `config:databaseUri` -> `config.requireSecret("databaseUri")`. */
export function refExpression(ref: string): string {
    if (ref.startsWith("config:")) return `config.requireSecret(${JSON.stringify(ref.slice("config:".length))})`;
    const [resource, ...path] = ref.split(".");
    return [varName(resource), ...path].join(".");
}

const IDENT = /^[A-Za-z_$][A-Za-z0-9_$]*$/;

/** Code printed as it is inside a literal: a reference placed deep in the args. */
class Code {
    constructor(readonly text: string) {}
}

function key(k: string): string {
    return IDENT.test(k) ? k : JSON.stringify(k);
}

/** A TypeScript literal: one line when short, else one property per line. */
export function literal(value: unknown, indent = ""): string {
    if (value instanceof Code) return value.text;
    if (value === null || typeof value !== "object") return JSON.stringify(value);
    const inner = indent + "    ";
    if (Array.isArray(value)) {
        const flat = `[${value.map((v) => literal(v, inner)).join(", ")}]`;
        if (flat.length <= 100 && !flat.includes("\n")) return flat;
        return `[\n${value.map((v) => inner + literal(v, inner)).join(",\n")},\n${indent}]`;
    }
    const entries = Object.entries(value as Record<string, unknown>).filter(([, v]) => v !== undefined);
    if (entries.length === 0) return "{}";
    const flat = `{ ${entries.map(([k, v]) => `${key(k)}: ${literal(v, inner)}`).join(", ")} }`;
    if (flat.length <= 100 && !flat.includes("\n")) return flat;
    return `{\n${entries.map(([k, v]) => `${inner}${key(k)}: ${literal(v, inner)}`).join(",\n")},\n${indent}}`;
}

/** `args` with each dotted reference (`shards.0.uri`) placed at its path. */
function withDeepRefs(args: Record<string, unknown>, refs: [string, string][]): Record<string, unknown> {
    const out = JSON.parse(JSON.stringify(args)) as Record<string, unknown>;
    for (const [path, ref] of refs) {
        const keys = path.split(".");
        let at: Record<string, unknown> = out;
        for (const k of keys.slice(0, -1)) {
            if (typeof at[k] !== "object" || at[k] === null) throw new Error(`snippet: reference ${path} reaches into no object at ${k}`);
            at = at[k] as Record<string, unknown>;
        }
        at[keys[keys.length - 1]] = new Code(refExpression(ref));
    }
    return out;
}

function argsExpression(c: ConstructConfig): string {
    const entries = Object.entries(c.refs);
    const refs = entries.filter(([k]) => !k.includes(".")).map(([k, ref]) => {
        const expr = refExpression(ref);
        return k === expr ? k : `${key(k)}: ${expr}`;
    });
    const body = literal(withDeepRefs(c.args, entries.filter(([k]) => k.includes("."))));
    if (refs.length === 0) return body;
    if (body === "{}") return `{ ${refs.join(", ")} }`;
    // Splice the references in front of the data properties.
    return body.startsWith("{\n") ? `{\n${refs.map((r) => `    ${r},\n`).join("")}${body.slice(2)}` : `{ ${refs.join(", ")}, ${body.slice(2)}`;
}

const EXPORTS: Partial<Record<ConstructConfig["construct"], (v: string) => string[]>> = {
    HAProxyFrontend: (v) => [`export const primaryUri = ${v}.primaryUri;`, `export const replicaUri = ${v}.replicaUri;`],
    PgBouncerPool: (v) => [`export const ${v}Uri = ${v}.uri;`],
};

export function renderStack(constructs: ConstructConfig[]): string {
    const byPackage = new Map<string, Set<string>>();
    for (const c of constructs) {
        if (!byPackage.has(c.package)) byPackage.set(c.package, new Set());
        byPackage.get(c.package)!.add(c.construct);
    }
    const usesConfig = constructs.some((c) => Object.values(c.refs).some((r) => r.startsWith("config:")));
    const lines: string[] = [];
    if (usesConfig) lines.push(`import * as pulumi from "@pulumi/pulumi";`);
    for (const [pkg, names] of byPackage) lines.push(`import { ${[...names].join(", ")} } from ${JSON.stringify(pkg)};`);
    lines.push("");
    if (usesConfig) lines.push("const config = new pulumi.Config();", "");
    for (const c of constructs) {
        lines.push(`// ${c.purpose}`);
        lines.push(`const ${varName(c.name)} = new ${c.construct}(${JSON.stringify(c.name)}, ${argsExpression(c)});`);
    }
    const exports = constructs.flatMap((c) => EXPORTS[c.construct]?.(varName(c.name)) ?? []);
    if (exports.length) lines.push("", ...exports);
    return lines.join("\n") + "\n";
}
