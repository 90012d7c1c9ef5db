/** `app.kubernetes.io/name` of each workload pgscale runs. */
export type AppName = "patroni" | "patroni-dcs-reconcile" | "patroni-monitor-role" | "patroni-access" | "etcd" | "etcd-auth" | "patroni-etcd-user" | "haproxy" | "pgbouncer" | "prometheus" | "alertmanager";

export type Labels = Record<string, string>;

/**
 * The recommended labels (kubernetes.io "Recommended Labels"). `selector` is the immutable
 * subset workloads and Services select on: the app and the construct that owns it.
 */
export function labelsFor(instance: string, app: AppName, component: string): { labels: Labels; selector: Labels } {
    const selector = { "app.kubernetes.io/name": app, "app.kubernetes.io/instance": instance };
    return {
        selector,
        labels: {
            ...selector,
            "app.kubernetes.io/component": component,
            "app.kubernetes.io/part-of": "pgscale",
            "app.kubernetes.io/managed-by": "pulumi",
        },
    };
}

/**
 * The pod label Patroni's Kubernetes DCS keeps equal to each member's role (Patroni 3.0.2:
 * `master` on the leader, `replica` on running replicas, removed otherwise). Patroni 4 writes
 * `primary` by default; pgscale sets its `kubernetes.leader_label_value` (and
 * `standby_leader_label_value`) to `master` (patroni-files.ts), so one Service selector serves
 * both majors and a later in-place upgrade never has to move it. On an etcd DCS the role-label
 * callback maintains the same values.
 */
export const ROLE_LABEL = "role";
export const ROLE_VALUES = { primary: "master", replica: "replica" } as const;
/** Patroni's default `kubernetes.scope_label`; its pods carry it so Patroni finds its members. */
export const SCOPE_LABEL = "cluster-name";
