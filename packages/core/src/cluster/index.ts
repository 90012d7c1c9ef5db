export * from "./spec";
export * from "./timings";
export * from "./resolve";
export * from "./scram";
export * from "./patroni-config";
export * from "./haproxy-config";
export * from "./pgbouncer-config";
export * from "./tls";
