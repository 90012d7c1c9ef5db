import { EtcdSecurity, PatroniNodeConfig, PatroniStore, patroniEtcdStore, renderPatroniYaml } from "@pgscale/core";
import { Labels, ROLE_LABEL, ROLE_VALUES, SCOPE_LABEL } from "./labels";

/** Where Patroni keeps the leader key and cluster state. */
export type DcsStore =
    | { kind: "kubernetes"; namespace: string; labels: Labels; pgPort: number }
    | EtcdStore;

/** An EtcdCluster: its members, and when locked the CA file as the member sees it and the scope's password. */
export interface EtcdStore {
    kind: "etcd";
    hosts: string[];
    /** Default: neither TLS nor auth. */
    security?: EtcdSecurity;
    caFile?: string;
    password?: string;
}

export type MemberConfig = Omit<PatroniNodeConfig, "store" | "callbacks">;

function patroniStore(store: DcsStore, scope: string, patroniMajor: 3 | 4): PatroniStore {
    if (store.kind === "etcd") {
        return patroniEtcdStore(store.hosts, store.security ?? { tls: false, auth: false }, { scope, caFile: store.caFile ?? "", password: store.password });
    }
    return {
        kubernetes: {
            namespace: store.namespace,
            // Patroni lists its members' pods with these labels and puts them on the Endpoints it writes.
            labels: store.labels,
            scope_label: SCOPE_LABEL,
            role_label: ROLE_LABEL,
            // Patroni 4 labels the leader `primary` unless told otherwise; keep Patroni 3's value (labels.ts).
            ...(patroniMajor >= 4 ? { leader_label_value: ROLE_VALUES.primary, standby_leader_label_value: ROLE_VALUES.primary } : {}),
            // The leader lock and the primary's address change in one write (Patroni's recommended mode).
            use_endpoints: true,
            // Named like the leader Service's port, which takes its addresses from this Endpoints object.
            ports: [{ name: "postgresql", port: store.pgPort }],
            // pod_ip comes from PATRONI_KUBERNETES_POD_IP (downward API): unknown until the pod runs.
        },
    };
}

/**
 * patroni.yml for one member: the core renderer with the DCS section for `store` and, when given,
 * `callback` run on every role-affecting event (on an etcd DCS it maintains the role label), for
 * the Patroni major of the image.
 */
export function renderMemberYaml(c: MemberConfig, store: DcsStore, callback?: string, patroniMajor: 3 | 4 = 3): string {
    const callbacks = callback
        ? { on_start: callback, on_stop: callback, on_restart: callback, on_role_change: callback }
        : undefined;
    return renderPatroniYaml({ ...c, store: patroniStore(store, c.scope, patroniMajor), callbacks });
}
