import type { DatabaseCatalog, DatabaseSpec, ObservedDatabase } from "@pgscale/core";
import type { Session } from "../sql/session";
import { ownedObjectFacts } from "../sql/owner-facts";

const DATABASE = `SELECT d.datname::text AS name, pg_get_userbyid(d.datdba)::text AS owner, pg_encoding_to_char(d.encoding)::text AS encoding,
       d.datcollate::text AS locale, d.datconnlimit AS connection_limit
  FROM pg_database d WHERE d.datname = $1`;

export async function readDatabase(s: Session, name: string): Promise<ObservedDatabase | null> {
    const [r] = await s.query<{ name: string; owner: string; encoding: string; locale: string; connection_limit: number }>(DATABASE, [name]);
    return r ? { name: r.name, owner: r.owner, encoding: r.encoding, locale: r.locale, connectionLimit: r.connection_limit } : null;
}

export async function readDatabaseCatalog(s: Session, spec: DatabaseSpec, previousName?: string): Promise<DatabaseCatalog> {
    const { current, ...facts } = await ownedObjectFacts(s, spec.owner, spec.name, previousName, readDatabase);
    return { database: current, ...facts };
}
