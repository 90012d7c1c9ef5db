import { lazyProvider } from "../sql/lazy-provider";

export const publicationProvider = lazyProvider("publicationHandlers");
