// pgscale doctor's decisions: the playbook's troubleshooting tree over facts gathered elsewhere.
export { diagnose } from "./diagnose";
export type { DoctorReport } from "./diagnose";
export { DOCTOR_AREAS, AREA_TITLES, worstSeverity, formatBytes, formatSeconds } from "./finding";
export type { Finding, Severity, DoctorArea } from "./finding";
export { DEFAULT_THRESHOLDS, parseThresholds } from "./thresholds";
export { POOLER_TIMEOUTS } from "./facts";
export type { DoctorThresholds } from "./thresholds";
export { scannedRelations } from "./explain";
export { isLeader } from "./patroni";
export { checkQueryPruning } from "./partitions";
export type {
    Gathered, DoctorFacts, PrimaryFacts, ConnectionFacts, ReplicaStat, SlotStat, ReplicationFacts, ArchiveFacts, ReplicaSideFacts,
    PoolerPool, PoolerDatabase, PoolerStats, PoolerFacts, PoolerTimeouts, ServerTimeouts, PatroniMember, PatroniFacts, PartitionSettings, PartitionedTable, QueryPlanFacts,
} from "./facts";
export * from "./history";
