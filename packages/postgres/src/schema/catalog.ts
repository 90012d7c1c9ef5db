import type { ObservedSchema, SchemaCatalog, SchemaSpec } from "@pgscale/core";
import type { Session } from "../sql/session";
import { ownedObjectFacts } from "../sql/owner-facts";

export async function readSchema(s: Session, name: string): Promise<ObservedSchema | null> {
    const [r] = await s.query<{ name: string; owner: string }>("SELECT nspname::text AS name, pg_get_userbyid(nspowner)::text AS owner FROM pg_namespace WHERE nspname = $1", [name]);
    return r ?? null;
}

export async function readSchemaCatalog(s: Session, spec: SchemaSpec, previousName?: string): Promise<SchemaCatalog> {
    const { current, ...facts } = await ownedObjectFacts(s, spec.owner, spec.name, previousName, readSchema);
    return { schema: current, ...facts };
}
