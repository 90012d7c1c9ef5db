// access (issue 19): `pulumi up` of bench/access/program, 50 Role and 200 Grant resources, against
// the same CREATE ROLE / GRANT / ALTER DEFAULT PRIVILEGES statements in a generated SQL file run with
// `psql -f`, alternating, on the host PostgreSQL (scripts/host-postgres), the roles dropped before
// every side. Both sides' outcome is read back from the catalog (`observed`), so the like-for-like
// check sees a side that did less. Pulumi's floor (one do-nothing dynamic resource) is measured in
// the same run, from the same program directory, for the "beyond the floor" figure.
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { alternate, timed } from "../harness/rounds";
import { newStack, pulumi, removeStack, timedPulumi } from "../harness/pulumi";
import type { Row } from "../harness/types";
import { ROOT } from "./ha-work";
import { floorRow, hostPostgres, psql } from "./partition";
import type { Benchmark, BenchOutput } from "./registry";

const PROGRAM = path.join(ROOT, "bench/access/program");
const PREFIX = "bench_access_r";
const SCHEMA = "bench_access";
const TABLES = 5;

const q = (id: string) => `"${id.replace(/"/g, '""')}"`;
const roleName = (i: number) => `${PREFIX}${String(i).padStart(2, "0")}`;

/** What the program declares, as the statements a DBA would write by hand; autocommit, as Pulumi commits each resource. */
function sqlFile(roles: number, database: string): string {
    const out: string[] = [];
    for (let i = 0; i < roles; i++) {
        const r = q(roleName(i));
        out.push(
            `CREATE ROLE ${r} NOLOGIN;`,
            `GRANT CONNECT ON DATABASE ${q(database)} TO ${r};`,
            `GRANT USAGE ON SCHEMA ${q(SCHEMA)} TO ${r};`,
            `GRANT SELECT ON ALL TABLES IN SCHEMA ${q(SCHEMA)} TO ${r};`,
            `ALTER DEFAULT PRIVILEGES IN SCHEMA ${q(SCHEMA)} GRANT SELECT ON TABLES TO ${r};`,
            `GRANT USAGE ON ALL SEQUENCES IN SCHEMA ${q(SCHEMA)} TO ${r};`,
            `ALTER DEFAULT PRIVILEGES IN SCHEMA ${q(SCHEMA)} GRANT USAGE ON SEQUENCES TO ${r};`,
        );
    }
    return out.join("\n") + "\n";
}

/** Drops every role either side made (DROP OWNED BY revokes their privileges and default privileges first). */
function dropRoles(uri: string): void {
    psql(uri, `DO $$ DECLARE r text; BEGIN FOR r IN SELECT rolname FROM pg_roles WHERE starts_with(rolname, '${PREFIX}') LOOP ` +
        `EXECUTE format('DROP OWNED BY %I', r); EXECUTE format('DROP ROLE %I', r); END LOOP; END $$;`);
}

/**
 * The outcome, from the catalog: how many roles, and the fewest privilege entries any of them holds
 * (CONNECT, schema USAGE, SELECT on every table, USAGE on every sequence, two default-privilege entries: 6).
 */
function observe(uri: string): Record<string, unknown> {
    const s = `'${SCHEMA}'`;
    const inSchema = (kinds: string, fn: string, priv: string) => `(NOT EXISTS (SELECT 1 FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace ` +
        // CASE: the planner may call the function before the relkind filter, on a table for a sequence.
        `WHERE n.nspname = ${s} AND c.relkind IN (${kinds}) AND NOT CASE WHEN c.relkind IN (${kinds}) THEN ${fn}(r.oid, c.oid, '${priv}') END))::int`;
    const acl = (from: string, where: string, priv: string) => `(EXISTS (SELECT 1 FROM ${from}, aclexplode(acl) a WHERE ${where} AND a.grantee = r.oid AND a.privilege_type = '${priv}'))::int`;
    const per = [
        acl("(SELECT datacl AS acl FROM pg_database WHERE datname = current_database()) d", "true", "CONNECT"),
        acl(`(SELECT nspacl AS acl FROM pg_namespace WHERE nspname = ${s}) n`, "true", "USAGE"),
        inSchema("'r', 'p'", "has_table_privilege", "SELECT"),
        inSchema("'S'", "has_sequence_privilege", "USAGE"),
        `(SELECT count(*) FROM pg_default_acl da JOIN pg_namespace n ON n.oid = da.defaclnamespace, aclexplode(da.defaclacl) a WHERE n.nspname = ${s} AND a.grantee = r.oid)::int`,
    ].join(" + ");
    const out = execFileSync("psql", [uri, "-XAtF", " ", "-c",
        `SELECT count(*), coalesce(min(g), 0) FROM (SELECT ${per} AS g FROM pg_roles r WHERE starts_with(r.rolname, '${PREFIX}')) x`], { encoding: "utf8" }).trim();
    const [roles, privileges] = out.split(" ").map(Number);
    return { roles, privilegesPerRole: privileges };
}

/**
 * Untimed cleanup. Parallel Grant deletes on one object can fail with PostgreSQL's "tuple concurrently
 * updated" (two REVOKEs updating one ACL; the provider does not serialize them), so a failed destroy
 * is rerun one resource at a time, which cannot race.
 */
function removeAccessStack(stack: string, log: (m: string) => void): void {
    try {
        removeStack(PROGRAM, stack);
    } catch (e) {
        log(`access: destroy failed, rerunning it with --parallel 1: ${String((e as Error).message).split("\n").find((l) => l.includes("error:")) ?? ""}`);
        pulumi(PROGRAM, stack, "destroy", "--yes", "--skip-preview", "--suppress-progress", "--parallel", "1");
        removeStack(PROGRAM, stack);
    }
}

export const access: Benchmark = {
    name: "access",
    describe: "50 Role + 200 Grant resources by pulumi up against the same statements by psql -f, and Pulumi's floor",
    async run(ctx): Promise<BenchOutput> {
        const roles = Number(ctx.options.roles ?? 50);
        const uri = hostPostgres();
        const database = execFileSync("psql", [uri, "-XAtc", "SELECT current_database()"], { encoding: "utf8" }).trim();
        // The objects the grants cover, the same for both sides and never timed.
        const tables = Array.from({ length: TABLES }, (_, i) => `CREATE TABLE ${SCHEMA}.t${i} (id serial PRIMARY KEY, v text);`).join(" ");
        dropRoles(uri);
        psql(uri, `DROP SCHEMA IF EXISTS ${SCHEMA} CASCADE; CREATE SCHEMA ${SCHEMA}; ${tables}`);
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "pgscale-bench-access-"));
        const file = path.join(dir, "access.sql");
        fs.writeFileSync(file, sqlFile(roles, database));
        const observed: Record<string, Record<string, unknown>[]> = { up: [], psql: [] };
        try {
            const samples = await alternate(ctx.rounds, {
                up: async () => {
                    dropRoles(uri);
                    const stack = newStack(PROGRAM, { roles: String(roles), prefix: PREFIX, schema: SCHEMA, database }, { pgUri: uri });
                    try {
                        const s = timedPulumi(PROGRAM, stack, "up", "--yes", "--skip-preview", "--suppress-progress");
                        observed.up.push(observe(uri));
                        return s;
                    } finally {
                        removeAccessStack(stack, ctx.log);
                    }
                },
                psql: async () => {
                    dropRoles(uri);
                    const s = timed(() => execFileSync("psql", [uri, "-X", "-q", "-v", "ON_ERROR_STOP=1", "-f", file]));
                    observed.psql.push(observe(uri));
                    return s;
                },
            }, (m) => ctx.log(`access ${m}`));
            dropRoles(uri);
            const floor = await floorRow(ctx, uri, PROGRAM);
            const settings = { roles, grants: roles * 4, privilegesPerRole: 6, tables: TABLES, sequences: TABLES, server: "host PostgreSQL 15 (scripts/host-postgres)" };
            const row: Row = {
                id: "access", title: `${roles} roles + ${roles * 4} grants (CONNECT, schema USAGE, SELECT on tables and USAGE on sequences with default privileges)`,
                unit: "s", measure: "whole commands, process start to exit, the roles dropped before each",
                pgscale: { label: "pulumi up", how: `pulumi up of bench/access/program (${roles} Role, ${roles * 4} Grant)`, settings, observed: observed.up, samples: samples.up },
                baseline: { label: "psql -f", how: "psql -f of a generated file of the same CREATE ROLE / GRANT / ALTER DEFAULT PRIVILEGES statements (autocommit)", settings, observed: observed.psql, samples: samples.psql },
            };
            return {
                rows: [row, floor],
                beyondFloor: [{ id: "access-beyond-floor", title: `pulumi up, ${roles} roles + ${roles * 4} grants, beyond Pulumi's floor`, row: "access", floor: "floor" }],
                notes: ["observed: roles and the fewest privilege entries any of them holds, read back from pg_roles, ACLs and pg_default_acl after each side."],
            };
        } finally {
            dropRoles(uri);
            psql(uri, `DROP SCHEMA IF EXISTS ${SCHEMA} CASCADE`);
            fs.rmSync(dir, { recursive: true, force: true });
        }
    },
};
