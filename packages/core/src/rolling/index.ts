// Rolling changes of a Patroni cluster: replacement order, switchover candidate, readiness.
export {
    changedMembers, departed, gateStep, isLeaderRole, nextPlan, patroniSlotName, planRollout, predecessor, settled, switchoverCandidate,
} from "./plan";
export type { ClusterView, GateStep, HealthOptions, RollingMember, RolloutPlan, RolloutState } from "./plan";
