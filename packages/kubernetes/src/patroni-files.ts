import { parse, stringify } from "yaml";
import { PatroniNodeConfig, renderPatroniYaml } from "@pgscale/core";
import { Labels, ROLE_LABEL, SCOPE_LABEL } from "./labels";

/** Where Patroni keeps the leader key and cluster state. */
export type DcsStore =
    | { kind: "kubernetes"; namespace: string; labels: Labels; pgPort: number }
    | { kind: "etcd"; hosts: string[] };

export type MemberConfig = Omit<PatroniNodeConfig, "etcdHosts">;

/**
 * patroni.yml for one member: the core renderer's document with the DCS section for `store`
 * and, when given, `callback` run on every role-affecting event (on an etcd DCS it maintains
 * the role label). Patroni picks the first DCS section it knows, so `etcd3` must go entirely
 * when the Kubernetes DCS is used.
 */
export function renderMemberYaml(c: MemberConfig, store: DcsStore, callback?: string): string {
    const rendered = renderPatroniYaml({ ...c, etcdHosts: store.kind === "etcd" ? store.hosts : [] });
    if (store.kind === "etcd" && !callback) return rendered;
    const doc = parse(rendered);
    if (store.kind === "kubernetes") {
        delete doc.etcd3;
        doc.kubernetes = {
            namespace: store.namespace,
            // Patroni lists its members' pods with these labels and puts them on the Endpoints it writes.
            labels: store.labels,
            scope_label: SCOPE_LABEL,
            role_label: ROLE_LABEL,
            // The leader lock and the primary's address change in one write (Patroni's recommended mode).
            use_endpoints: true,
            // Named like the leader Service's port, which takes its addresses from this Endpoints object.
            ports: [{ name: "postgresql", port: store.pgPort }],
            // pod_ip comes from PATRONI_KUBERNETES_POD_IP (downward API): unknown until the pod runs.
        };
    }
    if (callback) {
        doc.postgresql.callbacks = Object.fromEntries(["on_start", "on_stop", "on_restart", "on_role_change"].map((e) => [e, callback]));
    }
    return stringify(doc, { lineWidth: 0 });
}
