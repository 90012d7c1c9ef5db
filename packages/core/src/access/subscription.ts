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
    /** The slot on the publisher. Default: the subscription's name. */
    slotName: z.string().regex(/^[a-z0-9_]{1,63}$/, "slot names are 1-63 lower-case letters, digits and '_'").optional(),
    /**
     * Create the slot on the publisher (default true), and drop it with the subscription. false: use
     * a slot the publisher keeps, such as a PatroniCluster's `logicalSlots` entry, which Patroni
     * carries to the new primary on failover; removing the subscription then leaves the slot to its owner.
     */
    createSlot: z.boolean().default(true),
    /** "drop" (default): DROP SUBSCRIPTION, which drops its slot on the publisher when it created it; "retain": leave both. */
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
    const prev = i.previous;
    if (prev && c.subscription) {
        if ((prev.slotName ?? prev.name) !== (d.slotName ?? d.name)) refusals.push({ field: "slotName", reason: `subscription "${d.name}" reads slot ${prev.slotName ?? prev.name}; the slot is chosen at creation (replace the subscription to change it)` });
        if ((prev.createSlot ?? true) !== d.createSlot) refusals.push({ field: "createSlot", reason: `subscription "${d.name}" was created with createSlot ${prev.createSlot ?? true}; it is chosen at creation (replace the subscription to change it)` });
    }
    if (refusals.length) return { steps: [], refusals };
    const sub = quoteIdent(d.name);
    const pubs = d.publications.map(quoteIdent).join(", ");
    const current = c.subscription;
    if (!current) {
        return {
            steps: [{
                summary: `create subscription ${d.name} to ${d.publications.join(", ")}${d.copyData ? " (copying existing rows)" : ""}`,
                statements: [`CREATE SUBSCRIPTION ${sub} CONNECTION ${quoteLiteral(subscriberConninfo(d.publisher))} PUBLICATION ${pubs} WITH (${createOptions(d)})`],
                transactional: false,
                sensitive: true,
            }],
            refusals,
        };
    }
    const steps: AccessStep[] = [];
    if (i.previous && i.previous.publisher !== d.publisher)
        steps.push({ summary: `subscription ${d.name}: new publisher connection`, statements: [`ALTER SUBSCRIPTION ${sub} CONNECTION ${quoteLiteral(subscriberConninfo(d.publisher))}`], sensitive: true });
    if ([...d.publications].sort().join() !== [...current.publications].sort().join())
        steps.push({ summary: `subscription ${d.name}: publications ${current.publications.join(", ")} -> ${d.publications.join(", ")}`, statements: [`ALTER SUBSCRIPTION ${sub} SET PUBLICATION ${pubs}`], transactional: false });
    if (current.enabled !== d.enabled)
        steps.push({ summary: `${d.enabled ? "enable" : "disable"} subscription ${d.name}`, statements: [`ALTER SUBSCRIPTION ${sub} ${d.enabled ? "ENABLE" : "DISABLE"}`] });
    return { steps, refusals };
}

/**
 * The publisher's URI with `connect_timeout=10` unless it sets one, for whatever reads the
 * connection string with libpq's blocking connect. PostgreSQL's own workers do not apply it: they
 * poll libpq's connection, where `connect_timeout` is ignored, so a connection that never completes
 * (HAProxy 3.0 holds a client whose connect was in progress when the server went DOWN) holds the
 * apply worker until it is ended: on a pgscale member, its watchdog does that
 * (replication-connect-watchdog.ts; docs/reliability.md). Kept so existing subscriptions' strings
 * stay as they are.
 */
export function subscriberConninfo(publisher: string): string {
    const u = new URL(publisher);
    if (!u.searchParams.has("connect_timeout")) u.searchParams.set("connect_timeout", "10");
    return u.toString();
}

function createOptions(d: SubscriptionSpec): string {
    return [
        `copy_data = ${d.copyData}`, `enabled = ${d.enabled}`,
        ...(d.slotName !== undefined ? [`slot_name = ${quoteLiteral(d.slotName)}`] : []),
        ...(d.createSlot ? [] : ["create_slot = false"]),
    ].join(", ");
}

export function planSubscriptionRemoval(spec: SubscriptionSpec): AccessStep[] {
    if (spec.removalPolicy !== "drop") return [];
    const sub = quoteIdent(spec.name);
    if (!spec.createSlot) {
        // Detached from its slot first, DROP SUBSCRIPTION leaves the publisher's slot to its owner
        // (Patroni would otherwise see a declared slot vanish, and a subscriber added later could not resume).
        return [{
            summary: `drop subscription ${spec.name}, leaving slot ${spec.slotName ?? spec.name} to the publisher`,
            statements: [
                `DO $$ BEGIN IF EXISTS (SELECT 1 FROM pg_subscription WHERE subname = ${quoteLiteral(spec.name)} AND subdbid = (SELECT oid FROM pg_database WHERE datname = current_database())) THEN EXECUTE 'ALTER SUBSCRIPTION ${sub.replace(/'/g, "''")} DISABLE'; EXECUTE 'ALTER SUBSCRIPTION ${sub.replace(/'/g, "''")} SET (slot_name = NONE)'; END IF; END $$`,
                `DROP SUBSCRIPTION IF EXISTS ${sub}`,
            ],
            transactional: false,
        }];
    }
    return [{ summary: `drop subscription ${spec.name} and its slot on the publisher`, statements: [`DROP SUBSCRIPTION IF EXISTS ${sub}`], transactional: false }];
}
