export { Subscription } from "./resource";
export type { SubscriptionArgs } from "./resource";
export { subscriptionProvider } from "./provider";
export { subscriptionHandlers } from "./handlers";
