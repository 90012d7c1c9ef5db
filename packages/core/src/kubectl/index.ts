export * from "./kubectl";
