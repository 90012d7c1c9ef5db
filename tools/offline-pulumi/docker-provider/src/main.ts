// Entry point of the `pulumi-resource-docker` stand-in plugin: serves the provider over Pulumi's
// gRPC provider protocol and prints the port on stdout (the plugin handshake).
import { main } from "@pulumi/pulumi/provider";
import { DockerStandinProvider } from "./provider";
import { extendProviderServer } from "./serve";

const provider = new DockerStandinProvider();
extendProviderServer(provider);
main(provider, process.argv.slice(2)).catch((err: unknown) => {
    console.error(`pulumi-resource-docker stand-in failed to start: ${err instanceof Error ? err.message : String(err)}`);
    process.exit(1);
});
