import { lazyProvider } from "../sql/lazy-provider";

export const extensionProvider = lazyProvider("extensionHandlers");
