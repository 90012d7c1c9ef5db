import { lazyProvider } from "../sql/lazy-provider";

export const partitionedTableProvider = lazyProvider("partitionedTableHandlers");
