import type { EngineEvent } from "@pulumi/pulumi/automation";

/** Receives one line per step: what is being created, what is awaited, how long it took. */
export type ProgressLogger = (line: string) => void;

export function progressLogger(opts: { silent?: boolean; progress?: ProgressLogger }): ProgressLogger {
    if (opts.silent) return () => undefined;
    return opts.progress ?? ((line) => process.stderr.write(`pgscale-testing: ${line}\n`));
}

export function seconds(ms: number): string {
    return `${(ms / 1000).toFixed(1)} s`;
}

const CONTAINER = "docker:index/container:Container";

export interface EngineProgress {
    onEvent: (e: EngineEvent) => void;
    /** Error diagnostics of the operation: what a failure message should show. */
    errors: string[];
}

/**
 * Turns Pulumi engine events into a few lines: one per container as it is created or deleted,
 * and the readiness wait (PatroniDynamicConfig returns once a leader runs and replicas stream).
 */
export function engineProgress(log: ProgressLogger, replicas: number): EngineProgress {
    const started = new Map<string, number>();
    const errors: string[] = [];
    const name = (urn: string) => urn.slice(urn.lastIndexOf("::") + 2);
    const onEvent = (e: EngineEvent) => {
        const diag = e.diagnosticEvent;
        if (diag && diag.severity === "error" && diag.urn) errors.push(`${name(diag.urn)}: ${diag.message.trim()}`);
        const pre = e.resourcePreEvent?.metadata;
        if (pre && (pre.op === "create" || pre.op === "delete")) {
            started.set(pre.urn, Date.now());
            if (pre.type.endsWith(":PatroniDynamicConfig") && pre.op === "create") {
                log(`waiting for a Patroni leader${replicas > 0 ? ` and ${replicas} streaming replica${replicas > 1 ? "s" : ""}` : ""}`);
            }
        }
        const done = e.resOutputsEvent?.metadata;
        const took = () => {
            const t0 = done && started.get(done.urn);
            return t0 ? ` (${seconds(Date.now() - t0)})` : "";
        };
        if (done && done.type === CONTAINER && (done.op === "create" || done.op === "delete")) {
            log(`${done.op === "create" ? "created" : "removed"} container ${name(done.urn)}${took()}`);
        }
        if (done && done.op === "create" && done.type.endsWith(":PatroniDynamicConfig")) log(`Patroni cluster ready${took()}`);
    };
    return { onEvent, errors };
}
