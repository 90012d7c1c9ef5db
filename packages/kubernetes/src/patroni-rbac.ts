import * as pulumi from "@pulumi/pulumi";
import * as k8s from "@pulumi/kubernetes";
import { Labels } from "./labels";

type PolicyRule = k8s.types.input.rbac.v1.PolicyRule;

/**
 * Objects Patroni's Kubernetes DCS writes with `use_endpoints`: the leader Endpoints is named
 * after the scope; config, sync and failover follow (patroni/dcs/kubernetes.py, client_path).
 */
export function patroniEndpointNames(scope: string): string[] {
    return [scope, `${scope}-config`, `${scope}-sync`, `${scope}-failover`];
}

/**
 * The least the member pods need, from the calls Patroni 3.0.2 makes:
 * - Kubernetes DCS: list+watch pods and Endpoints by label (its caches), create Endpoints (a
 *   verb RBAC cannot narrow by name), get+patch only its own Endpoints (leader race, config,
 *   sync, failover), patch only its own pods (role label and status annotation). Not granted:
 *   `services: create` (pgscale creates the `<scope>-config` Service; Patroni tolerates the 403),
 *   `deletecollection` (only `patronictl remove`), anything on ConfigMaps.
 * - etcd DCS: only the role-label callback's patch of the member pods.
 */
export function patroniRoleRules(store: "kubernetes" | "etcd", scope: string, members: string[]): PolicyRule[] {
    const patchPods: PolicyRule = { apiGroups: [""], resources: ["pods"], resourceNames: members, verbs: ["patch"] };
    if (store === "etcd") return [patchPods];
    return [
        { apiGroups: [""], resources: ["endpoints"], verbs: ["create", "list", "watch"] },
        { apiGroups: [""], resources: ["endpoints"], resourceNames: patroniEndpointNames(scope), verbs: ["get", "patch"] },
        { apiGroups: [""], resources: ["pods"], verbs: ["list", "watch"] },
        patchPods,
    ];
}

/** A PatroniCluster's identity: `<name>-patroni` ServiceAccount, Role (`rules`) and RoleBinding. */
export function patroniIdentity(
    name: string, a: { namespace: pulumi.Input<string>; namespaceName: string; labels: Labels; rules: PolicyRule[] }, parent: pulumi.Resource,
): { serviceAccount: k8s.core.v1.ServiceAccount; role: k8s.rbac.v1.Role; roleBinding: k8s.rbac.v1.RoleBinding } {
    const metadata = { name: `${name}-patroni`, namespace: a.namespace, labels: a.labels };
    const serviceAccount = new k8s.core.v1.ServiceAccount(`${name}-patroni`, { metadata }, { parent });
    const role = new k8s.rbac.v1.Role(`${name}-patroni`, { metadata, rules: a.rules }, { parent });
    const roleBinding = new k8s.rbac.v1.RoleBinding(`${name}-patroni`, {
        metadata,
        roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "Role", name: role.metadata.name },
        subjects: [{ kind: "ServiceAccount", name: serviceAccount.metadata.name, namespace: a.namespaceName }],
    }, { parent });
    return { serviceAccount, role, roleBinding };
}
