import { performance } from "perf_hooks";
import { isLeader, PatroniMember, sleep } from "@pgscale/core";
import { Credentials, readClusters, requestSwitchover } from "../patroni/rest";
import { summarizeProbes } from "./outage";
import { WriteProbe } from "./write-probe";

export interface SwitchoverOptions {
    patroniUrls: string[];
    /** The CA (PEM) the members' https certificates chain to. */
    ca?: string;
    primaryUri: string;
    /** The member to promote; Patroni picks the best candidate when absent. */
    to?: string;
    auth?: Credentials;
    timeoutMs: number;
    probeIntervalMs: number;
}

export interface SwitchoverResult {
    from: string;
    to: string;
    requested: string | null;
    /** Longest time without an acknowledged write through the primary URI. */
    outageMs: number;
    probes: { ok: number; failed: number; intervalMs: number };
    errors: string[];
    /** Patroni's answer to POST /switchover, and how long it took. */
    patroni: { message: string; ms: number };
    /** From the request until a write through the primary URI reached the new leader. */
    writableAfterMs: number;
}

/** The request cannot work as given (unknown or current leader as --to): a usage error. */
export class SwitchoverArgumentError extends Error {
    constructor(readonly option: string, message: string) {
        super(message);
        this.name = "SwitchoverArgumentError";
    }
}

function checkTarget(members: PatroniMember[], leader: PatroniMember, to: string | undefined): void {
    if (to === undefined) return;
    const target = members.find((m) => m.name === to);
    if (!target) throw new SwitchoverArgumentError("--to", `${to} is not a member (members: ${members.map((m) => m.name).join(", ")})`);
    if (target.name === leader.name) throw new SwitchoverArgumentError("--to", `${to} is already the leader`);
}

/** Polls the REST APIs until a member other than `from` (and `to`, when given) leads and runs. */
async function newLeader(urls: string[], ca: string | undefined, from: string, to: string | undefined, deadline: number): Promise<string> {
    for (;;) {
        const { members } = await readClusters(urls, ca);
        const leader = members?.find((m) => isLeader(m) && m.state === "running");
        if (leader && leader.name !== from && (to === undefined || leader.name === to)) return leader.name;
        if (performance.now() > deadline) throw new Error(`no new leader after the switchover (leader now: ${leader?.name ?? "none"})`);
        await sleep(250);
    }
}

/**
 * A planned switchover through Patroni's REST API, measured from the application's side: a
 * write probe runs through the primary URI (HAProxy) before, during and after, and the
 * switchover counts as done once a write started after the new leader took over succeeds.
 */
export async function performSwitchover(o: SwitchoverOptions): Promise<SwitchoverResult> {
    const { endpoints, members } = await readClusters(o.patroniUrls, o.ca);
    if (!members) throw new Error(`no Patroni REST API answered: ${endpoints.map((e) => `${e.url} (${e.error})`).join(", ")}`);
    const leader = members.find(isLeader);
    if (!leader) throw new Error("the cluster has no leader: nothing to switch over from (a failover is in progress?)");
    checkTarget(members, leader, o.to);
    const deadline = performance.now() + o.timeoutMs;

    const probe = new WriteProbe(o.primaryUri, o.probeIntervalMs);
    probe.start();
    try {
        await probe.waitFor((s) => s.ok, 10_000, "a write through --primary-uri before the switchover");
        const requestedAt = performance.now();
        const url = endpoints.find((e) => e.reachable)!.url;
        const message = await requestSwitchover(url, { leader: leader.name, ...(o.to ? { candidate: o.to } : {}) }, o.auth, o.timeoutMs, o.ca);
        const patroniMs = Math.round(performance.now() - requestedAt);
        const to = await newLeader(o.patroniUrls, o.ca, leader.name, o.to, deadline);
        const confirmedAt = performance.now();
        // The old leader was demoted before the new one was promoted: a write that started
        // after Patroni reported the new leader running can only have reached the new leader.
        const first = await probe.waitFor((s) => s.ok && s.startedAt >= confirmedAt, Math.max(0, deadline - confirmedAt), "a write through --primary-uri to the new leader");
        await probe.stop();
        const summary = summarizeProbes(probe.samples);
        return {
            from: leader.name,
            to,
            requested: o.to ?? null,
            outageMs: summary.outageMs,
            probes: { ok: summary.ok, failed: summary.failed, intervalMs: o.probeIntervalMs },
            errors: summary.errors,
            patroni: { message, ms: patroniMs },
            writableAfterMs: Math.round(first.endedAt - requestedAt),
        };
    } finally {
        await probe.stop();
    }
}
