import { lazyProvider } from "../sql/lazy-provider";

export const shardedTableProvider = lazyProvider("shardedTableHandlers");
