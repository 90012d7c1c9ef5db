import { lazyProvider } from "../sql/lazy-provider";

export const grantProvider = lazyProvider("grantHandlers");
