import { z } from "zod";
import { identifier as ident } from "../partition/spec";
import { parseSpec } from "../validation";
import { quoteIdent, quoteLiteral } from "../sql";
import type { AccessPlan, AccessRefusal, AccessStep } from "./role-plan";

// Subscription: the subscriber's half of logical replication. CREATE SUBSCRIPTION makes the slot
// on the publisher and DROP SUBSCRIPTION drops it, so a removed subscription leaves no slot
// holding the publisher's WAL. Neither runs inside a transaction.


export const subscriptionFields = z.strictObject({
    /** The subscription's name (and, by default, its slot's on the publisher). */
    name: ident,
    /** postgresql:// URI of the publisher's database, as the subscriber's server reaches it (a role with REPLICATION and SELECT on the tables). A secret. */
    publisher: z.string().regex(/^postgres(ql)?:\/\//, "must be a postgresql:// URI of the publisher's database"),
    /** Publications to subscribe to, on the publisher. */
    publications: z.array(ident).min(1, "name at least one publication"),
    /** Copy the tables' existing rows before streaming changes (at create). Default true. */
    copyData: z.boolean().default(true),
    /** Apply changes. Default true; false keeps the slot and pauses apply. */
    enabled: z.boolean().default(true),
    /** "drop" (default): DROP SUBSCRIPTION, which drops its slot on the publisher; "retain": leave both. */
    removalPolicy: z.enum(["drop", "retain"]).default("drop"),
});

export type SubscriptionInput = z.input<typeof subscriptionFields>;
export type SubscriptionSpec = z.output<typeof subscriptionFields>;

export function parseSubscription(input: unknown, subject: string): SubscriptionSpec {
    return parseSpec(subscriptionFields, input, subject);
}

export interface ObservedSubscription {
    name: string;
    enabled: boolean;
    publications: string[];
    slotName: string | null;
}

export interface SubscriptionCatalog {
    subscription: ObservedSubscription | null;
}

export function planSubscription(i: { desired: SubscriptionSpec; previous?: SubscriptionSpec; catalog: SubscriptionCatalog; intent: "create" | "update"; adoptExisting?: boolean }): AccessPlan {
    const { desired: d, catalog: c } = i;
    const refusals: AccessRefusal[] = [];
    if (i.intent === "create" && c.subscription && !i.adoptExisting)
        refusals.push({ field: "name", reason: `subscription "${d.name}" already exists: set adoptExisting: true to manage it, or import it` });
    if (refusals.length) return { steps: [], refusals };
    const sub = quoteIdent(d.name);
    const pubs = d.publications.map(quoteIdent).join(", ");
    const current = c.subscription;
    if (!current) {
        return {
            steps: [{
                summary: `create subscription ${d.name} to ${d.publications.join(", ")}${d.copyData ? " (copying existing rows)" : ""}`,
                statements: [`CREATE SUBSCRIPTION ${sub} CONNECTION ${quoteLiteral(d.publisher)} PUBLICATION ${pubs} WITH (copy_data = ${d.copyData}, enabled = ${d.enabled})`],
                transactional: false,
                sensitive: true,
            }],
            refusals,
        };
    }
    const steps: AccessStep[] = [];
    if (i.previous && i.previous.publisher !== d.publisher)
        steps.push({ summary: `subscription ${d.name}: new publisher connection`, statements: [`ALTER SUBSCRIPTION ${sub} CONNECTION ${quoteLiteral(d.publisher)}`], sensitive: true });
    if ([...d.publications].sort().join() !== [...current.publications].sort().join())
        steps.push({ summary: `subscription ${d.name}: publications ${current.publications.join(", ")} -> ${d.publications.join(", ")}`, statements: [`ALTER SUBSCRIPTION ${sub} SET PUBLICATION ${pubs}`], transactional: false });
    if (current.enabled !== d.enabled)
        steps.push({ summary: `${d.enabled ? "enable" : "disable"} subscription ${d.name}`, statements: [`ALTER SUBSCRIPTION ${sub} ${d.enabled ? "ENABLE" : "DISABLE"}`] });
    return { steps, refusals };
}

export function planSubscriptionRemoval(spec: SubscriptionSpec): AccessStep[] {
    return spec.removalPolicy === "drop"
        ? [{ summary: `drop subscription ${spec.name} and its slot on the publisher`, statements: [`DROP SUBSCRIPTION IF EXISTS ${quoteIdent(spec.name)}`], transactional: false }]
        : [];
}
