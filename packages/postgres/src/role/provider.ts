import { lazyProvider } from "../sql/lazy-provider";

export const roleProvider = lazyProvider("roleHandlers");
