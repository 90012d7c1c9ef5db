import { lazyProvider } from "../sql/lazy-provider";

export const schemaProvider = lazyProvider("schemaHandlers");
