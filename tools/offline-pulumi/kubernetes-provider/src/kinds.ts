// The resource kinds the stand-in serves: the type tokens of @pulumi/kubernetes 4.34.2 that pgscale's
// constructs use, where each lives in the API, and which input changes force a replacement
// (fields the API server refuses to change, plus Secret/ConfigMap data, which the real provider
// replaces unless enableSecretMutable/enableConfigMapMutable is set).

export interface KindInfo {
    token: string;
    apiVersion: string;
    kind: string;
    plural: string;
    namespaced: boolean;
    /** Dotted input paths whose change replaces the object. */
    replaceOn: string[];
    /**
     * A kind a CustomResourceDefinition adds (`apiextensions.CustomResource` in the SDK, whose type
     * token is `kubernetes:<apiVersion>:<kind>`): the API server serves it only once the CRD is
     * installed.
     */
    custom?: boolean;
}

const kind = (apiVersion: string, kind: string, plural: string, namespaced: boolean, replaceOn: string[] = []): KindInfo => {
    const group = apiVersion.includes("/") ? apiVersion : `core/${apiVersion}`;
    return { token: `kubernetes:${group}:${kind}`, apiVersion, kind, plural, namespaced, replaceOn };
};

/**
 * A custom resource as the genuine provider treats one: server-side apply, no field that forces a
 * replacement (the schema is the CRD's, unknown to the provider), and no await (await.go's
 * `awaiters` map has no entry for it, so it is ready once applied).
 */
const customKind = (apiVersion: string, k: string, plural: string): KindInfo => ({ ...kind(apiVersion, k, plural, true), custom: true });

export const KINDS: KindInfo[] = [
    kind("v1", "Namespace", "namespaces", false),
    kind("v1", "Secret", "secrets", true, ["type", "data", "stringData"]),
    kind("v1", "ConfigMap", "configmaps", true, ["data", "binaryData"]),
    kind("v1", "Service", "services", true, ["spec.clusterIP", "spec.clusterIPs", "spec.ipFamilies"]),
    kind("v1", "ServiceAccount", "serviceaccounts", true),
    kind("v1", "PersistentVolumeClaim", "persistentvolumeclaims", true, ["spec"]),
    kind("apps/v1", "StatefulSet", "statefulsets", true, [
        "spec.selector", "spec.serviceName", "spec.volumeClaimTemplates", "spec.podManagementPolicy",
    ]),
    kind("apps/v1", "Deployment", "deployments", true, ["spec.selector"]),
    kind("batch/v1", "Job", "jobs", true, ["spec.template", "spec.selector", "spec.completions", "spec.completionMode"]),
    kind("policy/v1", "PodDisruptionBudget", "poddisruptionbudgets", true),
    // Every field of a NetworkPolicy's spec can change in place (the API server validates, never freezes, them).
    kind("networking.k8s.io/v1", "NetworkPolicy", "networkpolicies", true),
    kind("rbac.authorization.k8s.io/v1", "Role", "roles", true),
    kind("rbac.authorization.k8s.io/v1", "RoleBinding", "rolebindings", true, ["roleRef"]),
    kind("rbac.authorization.k8s.io/v1", "ClusterRole", "clusterroles", false),
    kind("rbac.authorization.k8s.io/v1", "ClusterRoleBinding", "clusterrolebindings", false, ["roleRef"]),
    // prometheus-operator's (monitoring.podMonitor); ServiceMonitor is its Service-based twin.
    customKind("monitoring.coreos.com/v1", "PodMonitor", "podmonitors"),
    customKind("monitoring.coreos.com/v1", "ServiceMonitor", "servicemonitors"),
];

const BY_TOKEN = new Map(KINDS.map((k) => [k.token, k]));

export function kindForToken(token: string): KindInfo {
    const k = BY_TOKEN.get(token);
    if (!k) {
        throw new Error(`${token} is not supported by the offline pulumi-resource-kubernetes stand-in (supported: ${KINDS.map((x) => x.kind).join(", ")})`);
    }
    return k;
}

/** REST path of a kind's collection, or of one object when `name` is given. */
export function resourcePath(k: KindInfo, namespace: string | undefined, name?: string): string {
    const base = k.apiVersion.includes("/") ? `/apis/${k.apiVersion}` : `/api/${k.apiVersion}`;
    const ns = k.namespaced ? `/namespaces/${encodeURIComponent(namespace ?? "default")}` : "";
    return `${base}${ns}/${k.plural}${name === undefined ? "" : `/${encodeURIComponent(name)}`}`;
}
