// Pulumi's wire sentinels. The provider server announces `acceptSecrets`, so inputs reach us with
// secrets still wrapped; we unwrap them to talk to Docker and re-wrap outputs so state stays secret.

/** Key/value marking a special object (secret, asset, resource reference...) on the wire. */
export const SIG_KEY = "4dabf18193072939515e22adb298388d";
export const SECRET_SIG = "1b47061264138c4ac30d75fd1eb44270";
/** A value not known yet (preview): the engine sends this string in its place. */
export const UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";

export interface SecretValue {
    [SIG_KEY]: typeof SECRET_SIG;
    value: unknown;
}

export function isObject(v: unknown): v is Record<string, unknown> {
    return typeof v === "object" && v !== null && !Array.isArray(v);
}

export function isSecret(v: unknown): v is SecretValue {
    return isObject(v) && v[SIG_KEY] === SECRET_SIG;
}

export function makeSecret(value: unknown): SecretValue {
    return { [SIG_KEY]: SECRET_SIG, value };
}

/** Deep copy of `v` with every secret wrapper replaced by its plain value. */
export function unwrapSecrets(v: unknown): unknown {
    if (isSecret(v)) {
        return unwrapSecrets(v.value);
    }
    if (Array.isArray(v)) {
        return v.map(unwrapSecrets);
    }
    if (isObject(v)) {
        const out: Record<string, unknown> = {};
        for (const [k, x] of Object.entries(v)) {
            out[k] = unwrapSecrets(x);
        }
        return out;
    }
    return v;
}

export function unwrapRecord(v: unknown): Record<string, unknown> {
    const plain = unwrapSecrets(v ?? {});
    return isObject(plain) ? plain : {};
}

export function containsUnknown(v: unknown): boolean {
    if (v === UNKNOWN) {
        return true;
    }
    if (isSecret(v)) {
        return containsUnknown(v.value);
    }
    if (Array.isArray(v)) {
        return v.some(containsUnknown);
    }
    if (isObject(v)) {
        return Object.values(v).some(containsUnknown);
    }
    return false;
}

/**
 * Copies the secretness of `template` (inputs as received) onto `value` (plain outputs) wherever
 * the shapes line up, like the engine's annotateSecrets does for providers that refuse secrets.
 */
export function reapplySecrets(template: unknown, value: unknown): unknown {
    if (isSecret(template)) {
        return makeSecret(reapplySecrets(template.value, value));
    }
    if (Array.isArray(template) && Array.isArray(value)) {
        return value.map((x, i) => (i < template.length ? reapplySecrets(template[i], x) : x));
    }
    if (isObject(template) && isObject(value)) {
        const out: Record<string, unknown> = {};
        for (const [k, x] of Object.entries(value)) {
            out[k] = k in template ? reapplySecrets(template[k], x) : x;
        }
        return out;
    }
    return value;
}

/** Every string found inside a secret, so messages built from engine output can be redacted. */
export function secretStrings(v: unknown, inSecret = false): string[] {
    if (isSecret(v)) {
        return secretStrings(v.value, true);
    }
    if (Array.isArray(v)) {
        return v.flatMap((x) => secretStrings(x, inSecret));
    }
    if (isObject(v)) {
        return Object.values(v).flatMap((x) => secretStrings(x, inSecret));
    }
    if (inSecret && typeof v === "string" && v.length > 0) {
        // An env entry `KEY=value` is usually echoed as just `value`.
        const eq = v.indexOf("=");
        return eq > 0 && eq < v.length - 1 ? [v, v.slice(eq + 1)] : [v];
    }
    return [];
}

export function redact(text: string, secrets: string[]): string {
    let out = text;
    // Longest first so a secret containing another is replaced whole.
    for (const s of [...secrets].sort((a, b) => b.length - a.length)) {
        if (s.length >= 3) {
            out = out.split(s).join("[secret]");
        }
    }
    return out;
}

/** protobuf Struct cannot hold `undefined`: drop such keys (deeply) before handing outputs back. */
export function stripUndefined<T>(v: T): T {
    if (Array.isArray(v)) {
        return v.map(stripUndefined) as unknown as T;
    }
    if (isObject(v)) {
        const out: Record<string, unknown> = {};
        for (const [k, x] of Object.entries(v)) {
            if (x !== undefined) {
                out[k] = stripUndefined(x);
            }
        }
        return out as T;
    }
    return v;
}

/** `urn:pulumi:stack::project::type::name` → type (last type of a parent chain) and name. */
export function parseUrn(urn: string): { type: string; name: string } {
    const parts = urn.split("::");
    const qualifiedType = parts[2] ?? "";
    const type = qualifiedType.split("$").pop() ?? "";
    const name = parts.slice(3).join("::");
    return { type, name };
}
