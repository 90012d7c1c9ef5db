import { lazyProvider } from "../sql/lazy-provider";

export const subscriptionProvider = lazyProvider("subscriptionHandlers");
