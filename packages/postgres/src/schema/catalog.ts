import type { ObservedSchema, SchemaCatalog, SchemaSpec } from "@pgscale/core";
import type { Session } from "../sql/session";

export async function readSchema(s: Session, name: string): Promise<ObservedSchema | null> {
    const [r] = await s.query<{ name: string; owner: string }>("SELECT nspname::text AS name, pg_get_userbyid(nspowner)::text AS owner FROM pg_namespace WHERE nspname = $1", [name]);
    return r ?? null;
}

export async function readSchemaCatalog(s: Session, spec: SchemaSpec, previousName?: string): Promise<SchemaCatalog> {
    const [{ me, owner_exists }] = await s.query<{ me: string; owner_exists: boolean }>(
        "SELECT current_user::text AS me, EXISTS (SELECT 1 FROM pg_roles WHERE rolname = COALESCE($1::text, current_user::text)) AS owner_exists", [spec.owner ?? null]);
    return {
        schema: await readSchema(s, spec.name),
        previous: previousName !== undefined && previousName !== spec.name ? await readSchema(s, previousName) : null,
        ownerExists: owner_exists,
        connectionRole: me,
    };
}
