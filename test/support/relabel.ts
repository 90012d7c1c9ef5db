// Prometheus's relabelling, as documented (replace, keep, drop; anchored regexes; `$n` groups;
// `__` labels dropped at the end), over one discovered target: enough to check that a scrape
// configuration gives the labels the alert rules need, without a Prometheus.

/** One relabel rule, in prometheus.yml's spelling (snake_case). */
export interface RelabelRule {
    source_labels?: string[];
    separator?: string;
    regex?: string;
    target_label?: string;
    replacement?: string;
    action?: string;
}

export function relabel(rules: RelabelRule[], target: Record<string, string>): Record<string, string> | undefined {
    const labels = { ...target };
    for (const r of rules) {
        const value = (r.source_labels ?? []).map((l: string) => labels[l] ?? "").join(r.separator ?? ";");
        const re = new RegExp(`^(?:${r.regex ?? "(.*)"})$`);
        const m = re.exec(value);
        const action = (r.action ?? "replace").toLowerCase();
        if (action === "keep" && !m) return undefined;
        if (action === "drop" && m) return undefined;
        if (action === "replace" && m) {
            const v = (r.replacement ?? "$1").replace(/\$(\d)/g, (_: string, i: string) => m[Number(i)] ?? "");
            if (v === "") delete labels[r.target_label!]; else labels[r.target_label!] = v;
        }
    }
    return Object.fromEntries(Object.entries(labels).filter(([k]) => !k.startsWith("__") || ["__address__", "__metrics_path__", "__scheme__"].includes(k)));
}

/** A target as Kubernetes pod discovery (`role: pod`) gives it, for one container port. */
export const discoveredPod = (app: string, instance: string, podName: string, portName: string, port: number, phase = "Running") => ({
    __address__: `10.0.0.7:${port}`, job: "pgscale",
    __meta_kubernetes_pod_label_app_kubernetes_io_name: app, __meta_kubernetes_pod_label_app_kubernetes_io_instance: instance,
    __meta_kubernetes_pod_name: podName, __meta_kubernetes_pod_container_port_name: portName, __meta_kubernetes_pod_phase: phase,
});
