// Rolling changes of a Patroni cluster: replacement order, switchover candidate, readiness.
export {
    changedMembers, clusterReady, clusterSettled, configApplied, gateStep, isLeaderRole, isSynchronousStandbyRole, leaderToWake, memberDeparted, PATRONI_WAKE_PATCH, nextPlan, patroniSlotName, pendingRestarts, planRollout, predecessor, switchoverCandidate,
} from "./plan";
export type { ClusterView, GateStep, HealthOptions, MemberStatus, RollingMember, RolloutPlan, RolloutState } from "./plan";
