// Rolling changes of a Patroni cluster: replacement order, switchover candidate, readiness.
export {
    changedMembers, clusterSettled, gateStep, isLeaderRole, memberDeparted, nextPlan, patroniSlotName, planRollout, predecessor, switchoverCandidate,
} from "./plan";
export type { ClusterView, GateStep, HealthOptions, RollingMember, RolloutPlan, RolloutState } from "./plan";
