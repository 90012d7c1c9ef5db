import { dollarQuote, quoteIdent, quoteLiteral } from "../sql";
import type { RoleSpec } from "./role-spec";
import type { DatabaseSpec } from "./database";
import { createDatabaseStatement } from "./database";
import { roleAttributes, validUntilSql } from "./role-plan";

// A cluster's declared `roles` and `databases` as one idempotent psql script, for platforms where
// no dynamic provider reaches the primary (Kubernetes runs it in a Job through the primary
// Service). The statements are Role's and Database's own (roleAttributes, validUntilSql,
// createDatabaseStatement); what the providers decide from the catalog they read, the script
// decides in the server: create what is missing, then set every declared attribute, so a second
// run changes nothing and a run after an edit applies it. Nothing is dropped: a role or database
// no longer declared stays as it is.

/** The roles in an order where each comes after the declared roles it is a member of (the spec has no cycle). */
export function declaredRoleOrder<R extends Pick<RoleSpec, "name" | "memberOf">>(roles: R[]): R[] {
    const done = new Set<string>();
    const pending = [...roles];
    const out: R[] = [];
    while (pending.length) {
        const i = pending.findIndex((r) => r.memberOf.every((m) => done.has(m) || !roles.some((x) => x.name === m)));
        if (i < 0) throw new Error(`membership cycle among ${pending.map((r) => r.name).join(", ")}`);
        const [r] = pending.splice(i, 1);
        done.add(r.name);
        out.push(r);
    }
    return out;
}

export interface DeclaredAccessScript {
    /** The cluster's declared roles (RoleSpec; removal fields are not used here). */
    roles: RoleSpec[];
    databases: DatabaseSpec[];
    /** The owner of a database that names none: the cluster's owner. */
    defaultOwner: string;
    /** The SCRAM-SHA-256 verifier of each login role, by name: the password itself never reaches the script. */
    verifiers: Record<string, string>;
}

/** A DO block that fails with `message` (a RAISE format: `%` takes `args` in order) when `condition` holds. */
function refuseIf(condition: string, message: string, args: string[]): string {
    return `DO ${dollarQuote(` BEGIN IF ${condition} THEN RAISE EXCEPTION ${quoteLiteral(message)}${args.map((a) => `, ${a}`).join("")}; END IF; END `)};`;
}

function roleStatements(r: RoleSpec, field: string, verifier: string | undefined): string[] {
    const name = quoteLiteral(r.name);
    const role = quoteIdent(r.name);
    const inRoles = `FROM pg_catalog.pg_roles WHERE rolname = ${name}`;
    const password = r.login ? ` PASSWORD ${quoteLiteral(verifier!)}` : "";
    const declared = `ARRAY[${r.memberOf.map(quoteLiteral).join(", ")}]::text[]`;
    return [
        `-- role ${JSON.stringify(r.name)}`,
        refuseIf(`EXISTS (SELECT ${inRoles} AND rolsuper)`, `${field}: "%" is a superuser; pgscale does not manage superuser roles`, [name]),
        `DO ${dollarQuote(` BEGIN IF NOT EXISTS (SELECT ${inRoles}) THEN CREATE ROLE ${role}; END IF; END `)};`,
        `ALTER ROLE ${role} WITH ${roleAttributes(r).join(" ")} CONNECTION LIMIT ${r.connectionLimit} ${validUntilSql(r.validUntil)}${password};`,
        ...r.memberOf.map((m) => `GRANT ${quoteIdent(m)} TO ${role};`),
        // memberOf is the whole set, as for Role: memberships granted elsewhere are revoked.
        "SELECT format('REVOKE %I FROM %I', g.rolname, m.rolname) FROM pg_catalog.pg_auth_members a " +
            "JOIN pg_catalog.pg_roles g ON g.oid = a.roleid JOIN pg_catalog.pg_roles m ON m.oid = a.member " +
            `WHERE m.rolname = ${name} AND g.rolname::text <> ALL (${declared}) \\gexec`,
    ];
}

function databaseStatements(d: DatabaseSpec, field: string, owner: string): string[] {
    const name = quoteLiteral(d.name);
    const db = quoteIdent(d.name);
    const inDatabases = `FROM pg_catalog.pg_database WHERE datname = ${name}`;
    return [
        `-- database ${JSON.stringify(d.name)}`,
        // Encoding and locale are fixed at create, as Database refuses a change of them.
        refuseIf(`EXISTS (SELECT ${inDatabases} AND upper(pg_catalog.pg_encoding_to_char(encoding)) <> upper(${quoteLiteral(d.encoding)}))`,
            `${field}.encoding: database "%" has another encoding on the server, set only at create: a new encoding needs a new database (dump and restore)`, [name]),
        ...(d.locale === undefined ? [] : [refuseIf(`EXISTS (SELECT ${inDatabases} AND datcollate <> ${quoteLiteral(d.locale)})`,
            `${field}.locale: database "%" has another locale on the server, set only at create: a new locale needs a new database (dump and restore)`, [name])]),
        // CREATE DATABASE cannot run in a DO block (a transaction): psql runs the statement the query returns.
        `SELECT ${quoteLiteral(createDatabaseStatement(d, owner))} WHERE NOT EXISTS (SELECT ${inDatabases}) \\gexec`,
        `ALTER DATABASE ${db} OWNER TO ${quoteIdent(owner)};`,
        `ALTER DATABASE ${db} WITH CONNECTION LIMIT ${d.connectionLimit};`,
    ];
}

/**
 * The psql script (psql runs `\gexec`) that makes the declared roles and databases what they must
 * be, run as a superuser with ON_ERROR_STOP. Statements are kept out of the server log: they hold
 * SCRAM verifiers. A refusal (a declared role that is a superuser, a database whose encoding or
 * locale differs) fails the script naming the field.
 */
export function renderDeclaredAccessSql(a: DeclaredAccessScript): string {
    const fieldOf = new Map(a.roles.map((r, i) => [r.name, `roles[${i}]`]));
    const roles = declaredRoleOrder(a.roles).flatMap((r) => {
        const verifier = a.verifiers[r.name];
        if (r.login && !verifier) throw new Error(`${fieldOf.get(r.name)}: login role "${r.name}" has no SCRAM verifier`);
        return roleStatements(r, `${fieldOf.get(r.name)}.name`, verifier);
    });
    const databases = a.databases.flatMap((d, i) => databaseStatements(d, `databases[${i}]`, d.owner ?? a.defaultOwner));
    return [
        "SET log_statement = 'none';",
        "SET log_min_error_statement = 'panic';",
        "SET client_min_messages = warning;",
        ...roles,
        ...databases,
        "",
    ].join("\n");
}
