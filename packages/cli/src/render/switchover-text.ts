import { SwitchoverResult } from "../switchover/perform";

/** The switchover's outcome, the measured outage first. */
export function renderSwitchoverText(r: SwitchoverResult): string {
    return [
        `pgscale switchover: ${r.from} -> ${r.to} done`,
        `  write outage     ${r.outageMs} ms (longest time without an acknowledged write through the primary URI)`,
        `  probes           ${r.probes.ok} ok, ${r.probes.failed} failed, one every ${r.probes.intervalMs} ms`,
        `  patroni          ${r.patroni.ms} ms: ${r.patroni.message}`,
        `  writable again   ${r.writableAfterMs} ms after the request, on ${r.to}`,
        ...(r.errors.length ? ["  errors seen", ...r.errors.map((e) => `    ${e}`)] : []),
    ].join("\n");
}
