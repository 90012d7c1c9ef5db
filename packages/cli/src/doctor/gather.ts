import { DoctorFacts } from "@pgscale/core";
import { gatherFromBackupMembers } from "./backup";
import type { KubectlTarget } from "@pgscale/core";
import { gatherFromPatroni } from "./patroni";
import { gatherFromPooler } from "./pooler";
import { gatherFromPrometheus } from "./prometheus";
import { gatherFromPrimary } from "./primary";
import { gatherFromReplica } from "./replica";
import { gather } from "./session";

export interface DoctorTargets {
    primaryUri: string;
    replicaUri?: string;
    poolerAdminUri?: string;
    patroniUrls: string[];
    /** --patroni-ca's contents. */
    patroniCa?: string;
    query?: string;
    /** Prometheus's URL and the window of history to read, in minutes. */
    prometheus?: { url: string; windowMinutes: number };
    /** The members' containers, for the backups area (`pgscale backup status`'s findings). */
    backupContainers?: string[];
    /** Or the members' pods, with kubectl exec. */
    backupPods?: { pods: string[]; target: KubectlTarget };
}

/** Reads every source at once; each one that fails becomes a fact about its failure. */
export async function gatherFacts(t: DoctorTargets): Promise<DoctorFacts> {
    const [primary, pooler, replica, patroni, history, backup] = await Promise.all([
        gatherFromPrimary(t.primaryUri, t.query),
        t.poolerAdminUri ? gather(() => gatherFromPooler(t.poolerAdminUri!)) : undefined,
        t.replicaUri ? gather(() => gatherFromReplica(t.replicaUri!)) : undefined,
        t.patroniUrls.length ? gatherFromPatroni(t.patroniUrls, t.patroniCa) : undefined,
        t.prometheus ? gather(() => gatherFromPrometheus(t.prometheus!.url, t.prometheus!.windowMinutes)) : undefined,
        t.backupPods ? gather(() => gatherFromBackupMembers(t.backupPods!.pods, t.backupPods!.target))
            : t.backupContainers?.length ? gather(() => gatherFromBackupMembers(t.backupContainers!)) : undefined,
    ]);
    return {
        ...primary,
        ...(pooler ? { pooler } : {}),
        ...(replica ? { replica } : {}),
        ...(patroni ? { patroni } : {}),
        ...(history ? { history } : {}),
        ...(backup ? { backup } : {}),
    };
}
