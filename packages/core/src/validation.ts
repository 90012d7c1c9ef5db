import { z } from "zod";

/** One problem with user input, addressed by its path (e.g. `patroni.ttl`). */
export interface FieldIssue {
    field: string;
    message: string;
}

/**
 * Thrown for input that cannot work. Constructs throw it before registering any
 * resource, so a bad stack fails in `pulumi preview` with nothing touched.
 * The message names every offending field; `issues` carries them for tools.
 */
export class PgscaleValidationError extends Error {
    readonly issues: FieldIssue[];
    constructor(subject: string, issues: FieldIssue[]) {
        super(`${subject}: invalid input\n` + issues.map((i) => `  - ${i.field}: ${i.message}`).join("\n"));
        this.name = "PgscaleValidationError";
        this.issues = issues;
    }
}

function pathToField(path: ReadonlyArray<PropertyKey>): string {
    let out = "";
    for (const p of path) {
        if (typeof p === "number") out += `[${p}]`;
        else out += out ? `.${String(p)}` : String(p);
    }
    return out || "(root)";
}

export function issuesFromZod(err: z.ZodError, prefix = ""): FieldIssue[] {
    const named = (path: ReadonlyArray<PropertyKey>) => {
        const field = pathToField(path);
        return prefix ? (field === "(root)" ? prefix : `${prefix}.${field}`) : field;
    };
    return err.issues.flatMap((i) =>
        // A misspelt option is reported under its own name, so the message points at the typo.
        i.code === "unrecognized_keys"
            ? i.keys.map((k) => ({ field: named([...i.path, k]), message: "is not a known option" }))
            : [{ field: named(i.path), message: i.message }],
    );
}

/** `fields` with cross-field rules: each issue `rules` returns is reported at its path. */
export function withRules<S extends z.ZodType>(fields: S, rules: (spec: z.output<S>) => { path: (string | number)[]; message: string }[]) {
    return fields.superRefine((spec, ctx) => {
        for (const issue of rules(spec)) ctx.addIssue({ code: "custom", message: issue.message, path: issue.path });
    });
}

/**
 * Parses `input` with `schema`, throwing a PgscaleValidationError that names
 * `subject` (usually the construct's type and name) and each bad field.
 */
export function parseSpec<S extends z.ZodType>(schema: S, input: unknown, subject: string): z.output<S> {
    const res = schema.safeParse(input);
    if (!res.success) throw new PgscaleValidationError(subject, issuesFromZod(res.error));
    return res.data;
}

/** parseSpec of a JSON text (a file a tool wrote, a command's output); not JSON is an error naming `subject`. */
export function parseJsonSpec<S extends z.ZodType>(schema: S, text: string, subject: string): z.output<S> {
    let doc: unknown;
    try {
        doc = JSON.parse(text);
    } catch {
        // What was there instead (a tool's error message, an empty file) says more than the parser's complaint.
        throw new Error(`${subject}: not JSON: ${text.slice(0, 200)}`);
    }
    return parseSpec(schema, doc, subject);
}

/**
 * Collects validation problems from several sources so one error names every bad field,
 * whichever part of the arguments (shared spec, platform options, references) it is in.
 */
export class IssueCollector {
    readonly issues: FieldIssue[] = [];

    run<T>(f: () => T): T | undefined {
        try {
            return f();
        } catch (e) {
            if (e instanceof PgscaleValidationError) {
                this.issues.push(...e.issues);
                return undefined;
            }
            throw e;
        }
    }

    parse<S extends z.ZodType>(schema: S, input: unknown): z.output<S> | undefined {
        const res = schema.safeParse(input);
        if (res.success) return res.data;
        this.issues.push(...issuesFromZod(res.error));
        return undefined;
    }

    add(field: string, message: string): void {
        this.issues.push({ field, message });
    }

    throwIfAny(subject: string): void {
        if (this.issues.length) throw new PgscaleValidationError(subject, this.issues);
    }
}
