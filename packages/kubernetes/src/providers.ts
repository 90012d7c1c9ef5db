import type { ProviderRegistry } from "@pgscale/postgres";
import { restoreBootstrapWatchProvider, restoreSourceCheckProvider } from "./restore-check";
import { restoreDrillProvider } from "./restore-drill";

/** What KUBERNETES_PROVIDER dispatches to, by each resource's type name (package-provider.ts in @pgscale/postgres). */
export const pgscaleProviders: ProviderRegistry = {
    KubernetesRestoreBootstrapWatch: restoreBootstrapWatchProvider,
    KubernetesRestoreSourceCheck: restoreSourceCheckProvider,
    RestoreDrill: restoreDrillProvider,
};
