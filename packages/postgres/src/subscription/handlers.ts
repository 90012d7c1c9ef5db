import { parseSubscription, planSubscription, planSubscriptionRemoval, subscriptionFields } from "@pgscale/core";
import { namedObjectHandlers } from "../sql/named-object";
import { readSubscription, readSubscriptionCatalog } from "./catalog";

export const subscriptionHandlers = namedObjectHandlers({
    kind: "Subscription",
    keys: Object.keys(subscriptionFields.shape),
    parse: parseSubscription,
    readCatalog: readSubscriptionCatalog,
    plan: planSubscription,
    observe: readSubscription,
    removal: planSubscriptionRemoval,
    live: (_props, observed) => ({ enabled: observed.enabled, publications: observed.publications }),
});
