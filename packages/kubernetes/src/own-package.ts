import { PackageLocation, packageProvider } from "@pgscale/postgres";

/**
 * This package as the program loaded it, for its dynamic providers: see `packageRequire` in
 * @pgscale/postgres (own-package.ts) for why a serialized provider carries it.
 */
export const KUBERNETES_PACKAGE: PackageLocation = {
    name: "@pgscale/kubernetes",
    entry: require.resolve("./index"),
    dependents: [],
};

/** This package's one dynamic provider (package-provider.ts in @pgscale/postgres); its kinds are in providers.ts. */
export const KUBERNETES_PROVIDER = packageProvider(KUBERNETES_PACKAGE);
