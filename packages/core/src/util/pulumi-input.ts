import { z } from "zod";

/**
 * A Pulumi input of a plain type: checked here when given as a plain value; an Output or a
 * Promise (an object) is only known at deployment time.
 */
export function pulumiInput<T extends z.ZodType>(plain: T) {
    return z.any().superRefine((v, ctx) => {
        if (v !== null && typeof v === "object") return;
        const res = plain.safeParse(v);
        if (!res.success) for (const i of res.error.issues) ctx.addIssue({ code: "custom", message: i.message, path: i.path as PropertyKey[] });
    });
}
