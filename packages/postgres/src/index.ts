// Pulumi dynamic providers that talk to live servers.
export * from "./secrets";
export * from "./patroni";
export * from "./partitioned-table";
export * from "./replication";
