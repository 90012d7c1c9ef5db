import { HistoryFacts, HistoryPoint, FiringAlert, historyQueries, patroniHttp } from "@pgscale/core";

// The metrics history for `pgscale doctor --prometheus URL`: instant queries of Prometheus's HTTP
// API over the window, and the alerts of pgscale's rules it has firing. The same node http
// transport as Patroni's REST API (Prometheus's port is published the same way).

async function api<T>(base: string, path: string): Promise<T> {
    const url = `${base.replace(/\/+$/, "")}${path}`;
    const res = await patroniHttp(url, { method: "GET", headers: { accept: "application/json" }, signal: AbortSignal.timeout(10_000) });
    const body = JSON.parse(await res.text()) as { status: string; data: T; error?: string };
    if (!res.ok || body.status !== "success") throw new Error(`${url}: ${body.error ?? `HTTP ${res.status}`}`);
    return body.data;
}

async function points(base: string, query: string): Promise<HistoryPoint[]> {
    const data = await api<{ result: Array<{ metric: Record<string, string>; value: [number, string] }> }>(base, `/api/v1/query?query=${encodeURIComponent(query)}`);
    return data.result.map((r) => ({ labels: r.metric, value: Number(r.value[1]) })).filter((p) => Number.isFinite(p.value));
}

export async function gatherFromPrometheus(base: string, windowMinutes: number): Promise<HistoryFacts> {
    const q = historyQueries(windowMinutes);
    const [lagBytes, lagSeconds, poolWaiting, poolMaxWait, targetsDown, alerts] = await Promise.all([
        points(base, q.lagBytes), points(base, q.lagSeconds), points(base, q.poolWaiting), points(base, q.poolMaxWait), points(base, q.targetsDown),
        api<{ alerts: Array<FiringAlert & { state: string }> }>(base, "/api/v1/alerts"),
    ]);
    const firing = alerts.alerts.filter((a) => a.state === "firing" && (a.labels.alertname ?? "").startsWith("Pgscale"))
        .map(({ labels, annotations, activeAt }) => ({ labels, annotations, activeAt }));
    return { windowMinutes, lagBytes, lagSeconds, poolWaiting, poolMaxWait, targetsDown, alerts: firing };
}
