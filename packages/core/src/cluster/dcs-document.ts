import { archiveParameters } from "../backup/render";
import { renderDcsConfig, renderPgHba } from "./patroni-config";
import { ResolvedPatroniCluster } from "./resolve";

/**
 * A resolved cluster's DCS document (renderDcsConfig), as every platform writes it: its timings,
 * replication and failover settings, its parameters with `backup`'s archiving into the stanza
 * `scope` (every member archives once it is primary), and pg_hba with TLS required when `tlsOn`.
 */
export function clusterDcsDocument(resolved: ResolvedPatroniCluster, scope: string, tlsOn: boolean): Record<string, unknown> {
    const spec = resolved.spec;
    return renderDcsConfig({
        timings: resolved.timings,
        usePgRewind: spec.patroni.usePgRewind,
        synchronousMode: resolved.synchronousMode,
        synchronousModeStrict: resolved.synchronousModeStrict,
        synchronousNodeCount: spec.patroni.synchronousNodeCount,
        failsafeMode: spec.patroni.failsafeMode,
        checkTimeline: spec.patroni.checkTimeline,
        parameters: { ...resolved.parameters, ...(spec.backup ? archiveParameters(scope, spec.backup) : {}) },
        pgHba: renderPgHba("replicator", spec.pgHba, tlsOn),
        patroniMajor: resolved.layout.patroniMajor,
        logicalSlots: resolved.logicalSlots,
    });
}
