import type { Client, QueryConfig } from "pg";
import { libpqCompatible } from "@pgscale/core";

// One database session per provider call. Statements go one at a time through
// the extended protocol, which refuses a string holding several statements: a
// second line of defence behind quoting. Errors carry the SQLSTATE and the
// statement, and are scrubbed of the connection string before they leave.

export class PgscaleSqlError extends Error {
    /** SQLSTATE of the failure; undefined for errors below SQL (connection refused, DNS, ...). */
    readonly sqlstate: string | undefined;
    readonly statement: string | undefined;
    constructor(message: string, sqlstate: string | undefined, statement: string | undefined) {
        super(message);
        this.name = "PgscaleSqlError";
        this.sqlstate = sqlstate;
        this.statement = statement;
    }
}

/** Removes the connection string, its password and any other URI credentials from `text`. */
export function redact(text: string, connection: string): string {
    let out = connection ? text.split(connection).join("<connection>") : text;
    const password = passwordOf(connection);
    if (password) {
        out = out.split(password).join("<password>");
        const encoded = encodeURIComponent(password);
        if (encoded !== password) out = out.split(encoded).join("<password>");
    }
    return out.replace(/(postgres(?:ql)?:\/\/[^:@/\s]*:)[^@\s]*@/gi, "$1<password>@");
}

function passwordOf(connection: string): string | null {
    try {
        const u = new URL(connection);
        return u.password ? decodeURIComponent(u.password) : null;
    } catch {
        const m = /(?:^|\s)password\s*=\s*('(?:[^'\\]|\\.)*'|\S+)/.exec(connection);
        return m ? m[1].replace(/^'|'$/g, "") : null;
    }
}

interface PgDatabaseError extends Error {
    code?: string;
    detail?: string;
    hint?: string;
    where?: string;
}

export class Session {
    private constructor(
        private readonly client: Client,
        private readonly connection: string,
    ) {}

    static async open(connection: string, connectTimeoutMs = CONNECT_TIMEOUT_MS): Promise<Session> {
        // Loaded on first use: a program that only declares resources never loads the driver.
        const pg = require("pg") as typeof import("pg");
        // A host that drops packets fails the preview or update after CONNECT_TIMEOUT_MS, naming it,
        // instead of after the operating system's TCP timeout (about two minutes).
        const client = new pg.Client({ connectionString: libpqCompatible(connection), application_name: "pgscale", connectionTimeoutMillis: connectTimeoutMs });
        // Errors after connect (server gone) arrive as events; a query then fails with them.
        client.on("error", () => undefined);
        try {
            await client.connect();
        } catch (e) {
            await client.end().catch(() => undefined);
            throw Session.wrap(e, undefined, connection, "cannot connect to PostgreSQL");
        }
        const session = new Session(client, connection);
        // Bounds print and parse the same way in every session: UTC, ISO dates.
        await session.run("SET TimeZone = 'UTC'");
        await session.run("SET DateStyle = 'ISO, MDY'");
        await session.run("SET IntervalStyle = 'postgres'");
        return session;
    }

    /** Runs one statement with optional bind parameters. */
    async query<R extends Record<string, unknown>>(text: string, values: unknown[] = []): Promise<R[]> {
        try {
            // queryMode is pg's (8.12+) but missing from @types/pg.
            const config = { text, values, queryMode: "extended" } as unknown as QueryConfig;
            const res = await this.client.query(config);
            return res.rows as R[];
        } catch (e) {
            throw Session.wrap(e, text, this.connection);
        }
    }

    async run(text: string): Promise<void> {
        await this.query(text);
    }

    /** Runs `fn` in a transaction; rolls back and rethrows on failure. */
    async transaction<T>(fn: () => Promise<T>): Promise<T> {
        await this.run("BEGIN");
        try {
            const out = await fn();
            await this.run("COMMIT");
            return out;
        } catch (e) {
            await this.client.query("ROLLBACK").catch(() => undefined);
            throw e;
        }
    }

    async close(): Promise<void> {
        await this.client.end().catch(() => undefined);
    }

    private static wrap(e: unknown, statement: string | undefined, connection: string, prefix?: string): PgscaleSqlError {
        if (e instanceof PgscaleSqlError) return e;
        const err = (e instanceof Error ? e : new Error(String(e))) as PgDatabaseError;
        const parts = [prefix ? `${prefix}: ${err.message}` : err.message];
        if (err.code && /^[0-9A-Z]{5}$/.test(err.code)) parts[0] += ` (SQLSTATE ${err.code})`;
        if (err.detail) parts.push(`detail: ${err.detail}`);
        if (err.hint) parts.push(`hint: ${err.hint}`);
        if (statement) parts.push(`statement: ${statement}`);
        const sqlstate = err.code && /^[0-9A-Z]{5}$/.test(err.code) ? err.code : undefined;
        return new PgscaleSqlError(redact(parts.join("\n  "), connection), sqlstate, statement === undefined ? undefined : redact(statement, connection));
    }
}

/** Opens a session, runs `fn`, always closes. */
/** How long a dynamic provider waits to connect to a server. */
export const CONNECT_TIMEOUT_MS = 30_000;

export async function withSession<T>(connection: string, fn: (s: Session) => Promise<T>): Promise<T> {
    const s = await Session.open(connection);
    try {
        return await fn(s);
    } finally {
        await s.close();
    }
}
