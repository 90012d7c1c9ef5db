import type { ObservedSubscription, SubscriptionCatalog, SubscriptionSpec } from "@pgscale/core";
import type { Session } from "../sql/session";

// pg_subscription is readable by superusers and the subscription's owner; its conninfo (which
// holds the publisher's password) is never read back.
export async function readSubscription(s: Session, name: string): Promise<ObservedSubscription | null> {
    const [r] = await s.query<{ name: string; enabled: boolean; publications: string[]; slot_name: string | null }>(
        "SELECT subname::text AS name, subenabled AS enabled, subpublications::text[] AS publications, subslotname::text AS slot_name FROM pg_subscription WHERE subname = $1 AND subdbid = (SELECT oid FROM pg_database WHERE datname = current_database())", [name]);
    return r ? { name: r.name, enabled: r.enabled, publications: r.publications, slotName: r.slot_name } : null;
}

export async function readSubscriptionCatalog(s: Session, spec: SubscriptionSpec): Promise<SubscriptionCatalog> {
    return { subscription: await readSubscription(s, spec.name) };
}
