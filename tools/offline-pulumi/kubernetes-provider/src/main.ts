// Entry point of the `pulumi-resource-kubernetes` stand-in plugin: serves the provider over Pulumi's
// gRPC provider protocol and prints the port on stdout (the plugin handshake).
import { main } from "@pulumi/pulumi/provider";
import { KubernetesStandinProvider } from "./provider";
import { extendProviderServer } from "./serve";

const provider = new KubernetesStandinProvider();
extendProviderServer(provider);
main(provider, process.argv.slice(2)).catch((err: unknown) => {
    console.error(`pulumi-resource-kubernetes stand-in failed to start: ${err instanceof Error ? err.message : String(err)}`);
    process.exit(1);
});
