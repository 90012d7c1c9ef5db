import type { DatabaseCatalog, DatabaseSpec, ObservedDatabase } from "@pgscale/core";
import type { Session } from "../sql/session";

const DATABASE = `SELECT d.datname::text AS name, pg_get_userbyid(d.datdba)::text AS owner, pg_encoding_to_char(d.encoding)::text AS encoding,
       d.datcollate::text AS locale, d.datconnlimit AS connection_limit
  FROM pg_database d WHERE d.datname = $1`;

export async function readDatabase(s: Session, name: string): Promise<ObservedDatabase | null> {
    const [r] = await s.query<{ name: string; owner: string; encoding: string; locale: string; connection_limit: number }>(DATABASE, [name]);
    return r ? { name: r.name, owner: r.owner, encoding: r.encoding, locale: r.locale, connectionLimit: r.connection_limit } : null;
}

export async function readDatabaseCatalog(s: Session, spec: DatabaseSpec, previousName?: string): Promise<DatabaseCatalog> {
    const [{ me, owner_exists }] = await s.query<{ me: string; owner_exists: boolean }>(
        "SELECT current_user::text AS me, EXISTS (SELECT 1 FROM pg_roles WHERE rolname = COALESCE($1::text, current_user::text)) AS owner_exists", [spec.owner ?? null]);
    return {
        database: await readDatabase(s, spec.name),
        previous: previousName !== undefined && previousName !== spec.name ? await readDatabase(s, previousName) : null,
        ownerExists: owner_exists,
        connectionRole: me,
    };
}
