import { z } from "zod";
import { identifier } from "../partition/spec";
import { parseSpec, PgscaleValidationError, type FieldIssue } from "../validation";
import { membershipName } from "./role-spec";

// The inputs of Grant: one grantee's privileges on one kind of object, flat (as CDK props are).
// The declared set is the whole truth for that grantee and those objects: privileges granted
// outside the stack are revoked by the next `up` unless `revokeUnmanaged` is false.


/** What each kind of object takes (PostgreSQL's GRANT synopsis). */
export const GRANT_PRIVILEGES = {
    database: ["CONNECT", "CREATE", "TEMPORARY"],
    schema: ["USAGE", "CREATE"],
    tables: ["SELECT", "INSERT", "UPDATE", "DELETE", "TRUNCATE", "REFERENCES", "TRIGGER"],
    sequences: ["USAGE", "SELECT", "UPDATE"],
    functions: ["EXECUTE"],
} as const;
export type GrantTarget = keyof typeof GRANT_PRIVILEGES;

export const grantFields = z.strictObject({
    /** The role that receives the privileges. */
    role: membershipName,
    /** What the privileges are on: "database", "schema", "tables", "sequences" or "functions" (every routine: functions, procedures, aggregates). */
    on: z.enum(["database", "schema", "tables", "sequences", "functions"]),
    /** The privileges, e.g. ["SELECT", "INSERT"]; "ALL" means every privilege of that kind. */
    privileges: z.array(z.string().transform((p) => p.toUpperCase())).min(1, "name at least one privilege"),
    /** With on: "database": the database. */
    database: identifier.optional(),
    /** With on: "schema", "tables", "sequences" or "functions": the schema. */
    schema: identifier.optional(),
    /** With on: "tables", "sequences" or "functions": these objects only (a function's name covers each of its overloads). Default: every one in the schema, now and (with defaultPrivileges) later. */
    objects: z.array(identifier).min(1).optional(),
    /**
     * With on: "tables", "sequences" or "functions" and no `objects`: also ALTER DEFAULT PRIVILEGES, so objects
     * that `defaultPrivilegesFor` (default: the connection's role) creates later in the schema get
     * the same privileges. Default true.
     */
    defaultPrivileges: z.boolean().optional(),
    /** The role whose future objects the default privileges cover. Default: the connection's role. */
    defaultPrivilegesFor: membershipName.optional(),
    /** Revoke privileges of this grantee on these objects that the stack does not declare. Default true. */
    revokeUnmanaged: z.boolean().default(true),
});

export type GrantInput = z.input<typeof grantFields>;
export type GrantSpec = z.output<typeof grantFields> & { privileges: string[] };

/** The kinds granted object by object inside a schema (and covered later by default privileges). */
export const isPerObject = (on: GrantTarget): on is "tables" | "sequences" | "functions" => on === "tables" || on === "sequences" || on === "functions";

function crossFieldIssues(s: GrantSpec): FieldIssue[] {
    const issues: FieldIssue[] = [];
    const allowed = GRANT_PRIVILEGES[s.on] as readonly string[];
    s.privileges.forEach((p, i) => {
        if (p !== "ALL" && !allowed.includes(p)) issues.push({ field: `privileges[${i}]`, message: `${p} does not apply to ${s.on}; use ${allowed.join(", ")} or ALL` });
        if (s.privileges.indexOf(p) !== i) issues.push({ field: `privileges[${i}]`, message: `${p} is listed twice` });
    });
    if (s.privileges.includes("ALL") && s.privileges.length > 1) issues.push({ field: "privileges", message: "ALL already names every privilege" });
    const need = (field: "database" | "schema", when: boolean) => {
        if (when && s[field] === undefined) issues.push({ field, message: `is required with on: "${s.on}"` });
        if (!when && s[field] !== undefined) issues.push({ field, message: `does not apply to on: "${s.on}"` });
    };
    need("database", s.on === "database");
    need("schema", s.on !== "database");
    const perObject = isPerObject(s.on);
    if (!perObject && s.objects) issues.push({ field: "objects", message: `applies only to on: "tables", "sequences" or "functions"` });
    if (s.defaultPrivileges && (!perObject || s.objects)) issues.push({ field: "defaultPrivileges", message: `applies only to every table, sequence or function of a schema (on: "tables"/"sequences"/"functions" without objects)` });
    if (s.defaultPrivilegesFor !== undefined && !(perObject && !s.objects && s.defaultPrivileges !== false))
        issues.push({ field: "defaultPrivilegesFor", message: "applies only with default privileges" });
    return issues;
}

/** Validates a Grant's arguments (privileges upper-cased, ALL expanded), naming every bad field. */
export function parseGrant(input: unknown, subject: string): GrantSpec {
    const spec = parseSpec(grantFields, input, subject) as GrantSpec;
    const issues = crossFieldIssues(spec);
    if (issues.length) throw new PgscaleValidationError(subject, issues);
    const all = GRANT_PRIVILEGES[spec.on] as readonly string[];
    const perObject = isPerObject(spec.on) && !spec.objects;
    return {
        ...spec,
        privileges: spec.privileges.includes("ALL") ? [...all] : all.filter((p) => spec.privileges.includes(p)),
        ...(perObject ? { defaultPrivileges: spec.defaultPrivileges ?? true } : {}),
    };
}
