import { planPublication, type ObservedPublication } from "../access/publication";
import { planSubscription, planSubscriptionRemoval, type ObservedSubscription, type SubscriptionSpec } from "../access/subscription";
import { fitIdentifier } from "../partition/naming";
import { columnDefinition } from "../partition/ddl";
import { quoteIdent, quoteLiteral, quoteQualified } from "../sql/quote";
import type { ShardCredential, ShardedStep } from "./catalog";
import type { Endpoint } from "./connections";
import { grantConnectSql } from "./ddl";
import type { ReferenceTableSpec } from "./reference-spec";
import type { ShardedTableSpec } from "./spec";

// Reference tables of a ShardedTable, replicated by logical replication: the coordinator's
// table is the one of record, in a publication; each shard subscribes to it through a slot
// on the coordinator that this plan creates itself (CREATE SUBSCRIPTION cannot create a slot
// on its own cluster without waiting on itself, and a slot made ahead, or kept by Patroni as
// a permanent slot, works the same on separate clusters). The subscriptions are the
// Subscription resource's plans; each shard's copy has a statement trigger refusing writes,
// which the apply worker (session_replication_role = replica) does not fire. Nothing here
// drops a table: removing every reference table stops the replication and leaves the tables.

type Spec = ShardedTableSpec;
const COORD = "coordinator";
const prefix = (spec: Pick<Spec, "schema" | "name">) => (spec.schema === "public" ? spec.name : `${spec.schema}_${spec.name}`);
const slotSafe = (s: string) => s.toLowerCase().replace(/[^a-z0-9_]/g, "_");

/** The coordinator's publication of the table's reference tables. */
export const referencePublicationName = (spec: Pick<Spec, "schema" | "name">) => fitIdentifier(prefix(spec), "_ref");
/** The coordinator's role the shards' subscriptions connect as: REPLICATION and SELECT on the reference tables. */
export const referenceRoleName = (spec: Pick<Spec, "schema" | "name">) => fitIdentifier(prefix(spec), "_ref_repl");
/** A shard's subscription, and its slot on the coordinator (same name). */
export const referenceSlotName = (spec: Pick<Spec, "schema" | "name">, shard: string) => slotSafe(fitIdentifier(`${prefix(spec)}_ref_${shard}`, ""));
/** The trigger function on each shard that refuses writes to a copy. */
export const referenceGuardName = (spec: Pick<Spec, "schema" | "name">) => fitIdentifier(prefix(spec), "_ref_readonly");
export const REFERENCE_TRIGGER = "pgscale_reference_readonly";

export interface ReferenceCoordinatorCatalog {
    walLevel: string;
    /** Relations of the reference tables' names: relkind, column names, whether a primary key exists. */
    tables: { name: string; kind: string; columns: string[]; hasPrimaryKey: boolean }[];
    publication: ObservedPublication | null;
    role: { exists: boolean; replication: boolean; connect: boolean; selectOn: string[] };
    /** Logical slots named for this table's subscriptions. */
    slots: { name: string; active: boolean }[];
}

export interface ReferenceShardCatalog {
    tables: { name: string; kind: string; hasRows: boolean; guarded: boolean }[];
    guardExists: boolean;
    subscription: ObservedSubscription | null;
    /** Tables the subscription holds (pg_subscription_rel), with their sync state ('r': ready). */
    subscribed: { name: string; state: string }[];
}

/** A shard of the last apply removed from the spec, whose slot the coordinator holds: its catalog as read with the last apply's connection, or why it could not be read. */
export type RemovedReferenceShard = ReferenceShardCatalog | { unreachable: string };

export interface ReferencePlanInput {
    desired: Spec;
    /** Where the shards reach the coordinator (its database included). */
    publisher: Endpoint & { params?: Record<string, string> };
    credential: ShardCredential;
    coordinator: ReferenceCoordinatorCatalog;
    shards: Record<string, ReferenceShardCatalog>;
    /** The last apply's shards no longer in the spec whose slot is on the coordinator, by name. Default: none. */
    removed?: Record<string, RemovedReferenceShard>;
}

const KIND: Record<string, string> = { p: "partitioned table", v: "view", m: "materialized view", f: "foreign table" };

export function createReferenceTableSql(schema: string, t: ReferenceTableSpec): string {
    return `CREATE TABLE ${quoteQualified(schema, t.name)} (\n    ${[...t.columns.map(columnDefinition), `PRIMARY KEY (${t.primaryKey.map(quoteIdent).join(", ")})`].join(",\n    ")}\n)`;
}

function guardFunctionSql(spec: Spec): string {
    return `CREATE OR REPLACE FUNCTION ${quoteQualified(spec.schema, referenceGuardName(spec))}() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN
RAISE EXCEPTION 'table %.% is a reference table replicated from the coordinator; write to it there', TG_TABLE_SCHEMA, TG_TABLE_NAME USING ERRCODE = 'read_only_sql_transaction';
END $$`;
}

function guardTriggerSql(spec: Spec, table: string): string {
    return `CREATE TRIGGER ${REFERENCE_TRIGGER} BEFORE INSERT OR UPDATE OR DELETE OR TRUNCATE ON ${quoteQualified(spec.schema, table)} FOR EACH STATEMENT EXECUTE FUNCTION ${quoteQualified(spec.schema, referenceGuardName(spec))}()`;
}

/** The slot a subscription reads: created when missing, else moved past everything before this subscription (its rows come by the initial copy). */
function ensureSlotSql(slot: string): string {
    const name = quoteLiteral(slot);
    return `DO $$ BEGIN
IF NOT EXISTS (SELECT 1 FROM pg_replication_slots WHERE slot_name = ${name}) THEN PERFORM pg_create_logical_replication_slot(${name}, 'pgoutput');
ELSE PERFORM pg_replication_slot_advance(${name}, pg_current_wal_lsn()); END IF;
END $$`;
}

/** Waits (up to 30 s) for the walsender of a subscription just dropped to let the slot go, then drops it. */
function dropSlotSql(slot: string): string {
    const name = quoteLiteral(slot);
    return `DO $$ BEGIN
FOR i IN 1..60 LOOP EXIT WHEN NOT EXISTS (SELECT 1 FROM pg_replication_slots WHERE slot_name = ${name} AND active); PERFORM pg_sleep(0.5); END LOOP;
IF EXISTS (SELECT 1 FROM pg_replication_slots WHERE slot_name = ${name}) THEN PERFORM pg_drop_replication_slot(${name}); END IF;
END $$`;
}

/** What a user runs on a shard to drop a subscription without touching the coordinator's slot. */
const manualUnsubscribe = (sub: string) => `ALTER SUBSCRIPTION ${quoteIdent(sub)} DISABLE; ALTER SUBSCRIPTION ${quoteIdent(sub)} SET (slot_name = NONE); DROP SUBSCRIPTION ${quoteIdent(sub)}`;

const unsubscribeSteps = (spec: Spec, shard: string, name: string) => planSubscriptionRemoval({ ...subscriptionSpec(spec, shard, "postgresql://unused"), name });

/** The publisher's URI as the shards' subscriptions use it: the replication role at the coordinator's endpoint. */
export function referencePublisherUri(p: ReferencePlanInput["publisher"], credential: Pick<ShardCredential, "user" | "password">): string {
    const u = new URL(`postgresql://${p.host.includes(":") ? `[${p.host}]` : p.host}:${p.port}/${encodeURIComponent(p.dbname)}`);
    u.username = encodeURIComponent(credential.user);
    u.password = encodeURIComponent(credential.password);
    for (const [k, v] of Object.entries(p.params ?? {})) u.searchParams.set(k, v);
    return u.toString();
}

function subscriptionSpec(spec: Spec, shard: string, publisher: string): SubscriptionSpec {
    const slot = referenceSlotName(spec, shard);
    return { name: slot, publisher, publications: [referencePublicationName(spec)], copyData: true, enabled: true, slotName: slot, createSlot: false, removalPolicy: "drop" };
}

export function planReferenceTables(input: ReferencePlanInput): { steps: ShardedStep[]; refusals: { field: string; reason: string }[]; notes: string[] } {
    const { desired: spec, coordinator: cc } = input;
    const steps: ShardedStep[] = [];
    const refusals: { field: string; reason: string }[] = [];
    const notes: string[] = [];
    const add = (target: string, summary: string, statements: string[], extra: Partial<ShardedStep> = {}) => steps.push({ target, summary, statements, ...extra });
    const refs = spec.referenceTables;
    const wantedSlots = new Set(refs.length ? spec.shards.map((s) => referenceSlotName(spec, s.name)) : []);

    // None declared: stop any replication an earlier apply set up (the shards' subscriptions run first); the tables stay.
    const dropping = new Set<string>();
    if (!refs.length) {
        for (const [shard, sc] of Object.entries(input.shards)) {
            if (!sc.subscription) continue;
            dropping.add(sc.subscription.slotName ?? sc.subscription.name);
            for (const s of unsubscribeSteps(spec, shard, sc.subscription.name)) add(shard, `- ${s.summary} (no reference tables; the copies stay)`, s.statements, { transactional: false });
        }
        if (cc.publication) add(COORD, `- drop publication ${cc.publication.name}`, [`DROP PUBLICATION IF EXISTS ${quoteIdent(cc.publication.name)}`]);
    }
    // A shard removed from the spec stops its subscription (before the coordinator drops its slot, which
    // would keep WAL while the subscription reads it); its copies of the reference tables stay.
    const removedBy = new Map<string, string>();
    for (const [shard, rc] of Object.entries(input.removed ?? {})) {
        const slot = referenceSlotName(spec, shard);
        removedBy.set(slot, shard);
        if ("unreachable" in rc) {
            if (cc.slots.some((s) => s.name === slot && s.active))
                refusals.push({
                    field: "shards",
                    reason:
                        `shard ${shard} is no longer in shards and still subscribes to the reference tables: slot ${slot} on the coordinator is in use and keeps WAL there while it is; ` +
                        `its subscription could not be dropped with the last up's connection to ${shard} (${rc.unreachable}). Drop it on ${shard} (${manualUnsubscribe(slot)}) and run up again; nothing was changed`,
                });
            continue;
        }
        if (!rc.subscription) continue;
        dropping.add(slot);
        for (const s of unsubscribeSteps(spec, shard, rc.subscription.name)) add(shard, `- ${s.summary} (shard ${shard} removed; its copies of the reference tables stay)`, s.statements, { transactional: false });
    }
    for (const slot of cc.slots) {
        if (wantedSlots.has(slot.name)) continue;
        const gone = removedBy.get(slot.name);
        if (slot.active && !dropping.has(slot.name)) {
            if (!gone) notes.push(`slot ${slot.name} on the coordinator belongs to no shard of the spec and is in use: drop its subscription on that shard (${manualUnsubscribe(slot.name)}) and the next up drops the slot`);
        } else add(COORD, `- drop slot ${slot.name} (${gone ? `shard ${gone} removed` : "no shard subscribes to it"})`, [dropSlotSql(slot.name)], { transactional: false });
    }
    if (!refs.length) return { steps, refusals, notes };

    if (cc.walLevel !== "logical")
        refusals.push({ field: "referenceTables", reason: `the coordinator runs with wal_level = ${cc.walLevel}; reference tables are replicated by logical replication, which needs wal_level = logical (a PatroniCluster sets it when its logicalSlots declares the shards' slots: ${spec.shards.map((s) => referenceSlotName(spec, s.name)).join(", ")}; or set the parameter and restart the coordinator); nothing was changed` });
    const onCoord = new Map(cc.tables.map((t) => [t.name, t]));
    refs.forEach((t, i) => {
        const have = onCoord.get(t.name);
        if (!have) return;
        if (have.kind !== "r") refusals.push({ field: `referenceTables[${i}].name`, reason: `${spec.schema}.${t.name} exists on the coordinator as a ${KIND[have.kind] ?? have.kind}, not a table; give the reference table another name; nothing was changed` });
        else if (!have.hasPrimaryKey) refusals.push({ field: `referenceTables[${i}].primaryKey`, reason: `${spec.schema}.${t.name} exists on the coordinator without a primary key; logical replication needs one; nothing was changed` });
        else if ([...have.columns].sort().join() !== t.columns.map((c) => c.name).sort().join())
            refusals.push({ field: `referenceTables[${i}].columns`, reason: `${spec.schema}.${t.name} exists on the coordinator with columns ${have.columns.join(", ")}; declare the same columns; nothing was changed` });
    });
    for (const shard of spec.shards) {
        const sc = input.shards[shard.name];
        const held = new Set(sc.subscribed.map((s) => s.name));
        refs.forEach((t, i) => {
            const have = sc.tables.find((x) => x.name === t.name);
            if (have && have.kind !== "r") refusals.push({ field: `referenceTables[${i}].name`, reason: `${spec.schema}.${t.name} exists on shard ${shard.name} as a ${KIND[have.kind] ?? have.kind}, not a table; nothing was changed` });
            else if (have?.hasRows && !held.has(t.name)) refusals.push({ field: `referenceTables[${i}].name`, reason: `${spec.schema}.${t.name} on shard ${shard.name} holds rows it did not get from the coordinator; the initial copy would collide with them. Empty or rename it; nothing was changed` });
        });
    }
    if (refusals.length) return { steps: [], refusals, notes };

    // Each shard's copies (before the coordinator's steps), then the coordinator's side, then the subscriptions.
    for (const shard of spec.shards) {
        const sc = input.shards[shard.name];
        if (!sc.guardExists) add(shard.name, `+ create function ${referenceGuardName(spec)}() refusing writes to the reference tables' copies`, [guardFunctionSql(spec)]);
        for (const t of refs) {
            const have = sc.tables.find((x) => x.name === t.name);
            if (!have) add(shard.name, `+ create reference table copy ${spec.schema}.${t.name} (read-only)`, [createReferenceTableSql(spec.schema, t), guardTriggerSql(spec, t.name)]);
            else if (!have.guarded) add(shard.name, `+ create trigger ${REFERENCE_TRIGGER} on ${spec.schema}.${t.name} (read-only copy)`, [guardTriggerSql(spec, t.name)]);
        }
    }
    // Coordinator: the tables, the replication role, the publication; a slot per shard about to subscribe.
    const cred = input.credential;
    const role = cc.role;
    for (const t of refs) if (!onCoord.has(t.name)) add(COORD, `+ create reference table ${spec.schema}.${t.name}`, [createReferenceTableSql(spec.schema, t)]);
    if (!role.exists) add(COORD, `+ create role ${cred.user} LOGIN REPLICATION (password generated, kept secret)`, [`CREATE ROLE ${quoteIdent(cred.user)} LOGIN REPLICATION PASSWORD ${quoteLiteral(cred.verifier)}`], { sensitive: true });
    else {
        if (cred.fresh) add(COORD, `~ set the password of role ${cred.user} (generated, kept secret)`, [`ALTER ROLE ${quoteIdent(cred.user)} PASSWORD ${quoteLiteral(cred.verifier)}`], { sensitive: true });
        if (!role.replication) add(COORD, `~ alter role ${cred.user} REPLICATION`, [`ALTER ROLE ${quoteIdent(cred.user)} REPLICATION`]);
    }
    if (!role.exists || !role.connect) add(COORD, `+ grant ${cred.user} CONNECT on the database`, [grantConnectSql(cred.user)]);
    const unread = refs.filter((t) => !role.exists || !role.selectOn.includes(t.name)).map((t) => t.name);
    if (unread.length)
        add(COORD, `+ grant ${cred.user} SELECT on ${unread.join(", ")}`, [`GRANT USAGE ON SCHEMA ${quoteIdent(spec.schema)} TO ${quoteIdent(cred.user)}`, `GRANT SELECT ON TABLE ${unread.map((n) => quoteQualified(spec.schema, n)).join(", ")} TO ${quoteIdent(cred.user)}`]);
    const pub = planPublication({
        desired: { name: referencePublicationName(spec), tables: refs.map((t) => `${spec.schema}.${t.name}`), publish: ["insert", "update", "delete", "truncate"], removalPolicy: "drop", slots: [] },
        catalog: { publication: cc.publication, missing: [], withoutIdentity: [] },
        intent: cc.publication ? "update" : "create",
        adoptExisting: true,
    });
    for (const s of pub.steps) add(COORD, `${cc.publication ? "~" : "+"} ${s.summary}`, s.statements);

    const publisher = referencePublisherUri(input.publisher, cred);
    const tableSet = refs.map((t) => t.name).sort().join();
    for (const shard of spec.shards) {
        const sc = input.shards[shard.name];
        const sub = subscriptionSpec(spec, shard.name, publisher);
        if (!sc.subscription) {
            add(COORD, `+ create slot ${sub.slotName} for shard ${shard.name}`, [ensureSlotSql(sub.slotName!)], { transactional: false });
            const plan = planSubscription({ desired: sub, catalog: { subscription: null }, intent: "create" });
            for (const s of plan.steps) add(shard.name, `+ ${s.summary}`, s.statements, { transactional: false, sensitive: true, after: true });
            continue;
        }
        if (!cc.slots.some((s) => s.name === sub.slotName)) notes.push(`shard ${shard.name}'s subscription ${sc.subscription.name} reads slot ${sub.slotName}, which the coordinator does not have (a coordinator failover without the slot in its logicalSlots?): drop the subscription on the shard and the next up subscribes it anew`);
        const plan = planSubscription({ desired: sub, catalog: { subscription: sc.subscription }, intent: "update", adoptExisting: true });
        for (const s of plan.steps) add(shard.name, `~ ${s.summary}`, s.statements, { transactional: s.transactional, after: true });
        if (sc.subscribed.map((s) => s.name).sort().join() !== tableSet)
            add(shard.name, `~ subscription ${sc.subscription.name}: refresh publication (copies the tables added)`, [`ALTER SUBSCRIPTION ${quoteIdent(sc.subscription.name)} REFRESH PUBLICATION`], { transactional: false, after: true });
    }
    return { steps, refusals, notes };
}

/** removalPolicy "destroy": the shards' subscriptions first, then the coordinator's side. The replication goes (subscriptions, slots, publication, role); every table stays, on the coordinator and on the shards. */
export function planReferenceRemoval(spec: Spec, coordinator: ReferenceCoordinatorCatalog, shards: Record<string, ReferenceShardCatalog>): ShardedStep[] {
    const steps: ShardedStep[] = [];
    for (const [shard, sc] of Object.entries(shards))
        if (sc.subscription) for (const s of unsubscribeSteps(spec, shard, sc.subscription.name)) steps.push({ target: shard, summary: `- ${s.summary}`, statements: s.statements, transactional: false });
    if (coordinator.publication) steps.push({ target: COORD, summary: `- drop publication ${coordinator.publication.name}`, statements: [`DROP PUBLICATION IF EXISTS ${quoteIdent(coordinator.publication.name)}`] });
    for (const slot of coordinator.slots) steps.push({ target: COORD, summary: `- drop slot ${slot.name}`, statements: [dropSlotSql(slot.name)], transactional: false });
    if (coordinator.role.exists) {
        const role = quoteIdent(referenceRoleName(spec));
        steps.push({ target: COORD, summary: `- drop role ${referenceRoleName(spec)}`, statements: [`DROP OWNED BY ${role}`, `DROP ROLE ${role}`] });
    }
    return steps;
}
