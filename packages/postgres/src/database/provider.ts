import { lazyProvider } from "../sql/lazy-provider";

export const databaseProvider = lazyProvider("databaseHandlers");
