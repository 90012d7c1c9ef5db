import type { ExtensionCatalog, ExtensionSpec, ObservedExtension } from "@pgscale/core";
import type { Session } from "../sql/session";

export async function readExtension(s: Session, name: string): Promise<ObservedExtension | null> {
    const [r] = await s.query<{ name: string; version: string; schema: string }>(
        "SELECT e.extname::text AS name, e.extversion::text AS version, n.nspname::text AS schema FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace WHERE e.extname = $1", [name]);
    return r ?? null;
}

export async function readExtensionCatalog(s: Session, spec: ExtensionSpec): Promise<ExtensionCatalog> {
    const available = (await s.query<{ name: string }>("SELECT name::text FROM pg_available_extensions ORDER BY name")).map((r) => r.name);
    const versions = (await s.query<{ version: string }>("SELECT version::text FROM pg_available_extension_versions WHERE name = $1 ORDER BY version", [spec.name])).map((r) => r.version);
    const [{ exists }] = await s.query<{ exists: boolean }>("SELECT $1::text IS NULL OR EXISTS (SELECT 1 FROM pg_namespace WHERE nspname = $1) AS exists", [spec.schema ?? null]);
    return { extension: await readExtension(s, spec.name), available, versions, schemaExists: exists };
}
