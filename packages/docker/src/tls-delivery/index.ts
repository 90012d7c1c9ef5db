export * from "./cert-delivery";
