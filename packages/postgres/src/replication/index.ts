export * from "./replication-slot";
