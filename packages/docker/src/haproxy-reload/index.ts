export * from "./config-reload";
