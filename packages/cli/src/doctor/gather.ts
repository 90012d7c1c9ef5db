import { DoctorFacts } from "@pgscale/core";
import { gatherFromPatroni } from "./patroni";
import { gatherFromPooler } from "./pooler";
import { gatherFromPrimary } from "./primary";
import { gatherFromReplica } from "./replica";
import { gather } from "./session";

export interface DoctorTargets {
    primaryUri: string;
    replicaUri?: string;
    poolerAdminUri?: string;
    patroniUrls: string[];
    query?: string;
}

/** Reads every source at once; each one that fails becomes a fact about its failure. */
export async function gatherFacts(t: DoctorTargets): Promise<DoctorFacts> {
    const [primary, pooler, replica, patroni] = await Promise.all([
        gatherFromPrimary(t.primaryUri, t.query),
        t.poolerAdminUri ? gather(() => gatherFromPooler(t.poolerAdminUri!)) : undefined,
        t.replicaUri ? gather(() => gatherFromReplica(t.replicaUri!)) : undefined,
        t.patroniUrls.length ? gatherFromPatroni(t.patroniUrls) : undefined,
    ]);
    return {
        ...primary,
        ...(pooler ? { pooler } : {}),
        ...(replica ? { replica } : {}),
        ...(patroni ? { patroni } : {}),
    };
}
