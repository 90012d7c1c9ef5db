import { PlanConstraints } from "../constraints";
import { Decision } from "../types";

export interface PatroniTimingsPlan {
    ttl: number;
    loopWait: number;
    retryTimeout: number;
    maximumLagOnFailover: number;
    usePgRewind: boolean;
    synchronousMode: boolean;
}

export interface HaPlan {
    etcdMembers: number;
    patroni: PatroniTimingsPlan;
    decisions: Decision[];
}

/** Patroni timings and DCS size for the constraints; the playbook's values unless a constraint says otherwise. */
export function planHa(c: PlanConstraints): HaPlan {
    const fast = c.noDowntime;
    const patroni: PatroniTimingsPlan = {
        // Patroni's minimum ttl is 20, and loop_wait + 2 * retry_timeout must not exceed it.
        ttl: fast ? 20 : 30,
        loopWait: fast ? 5 : 10,
        retryTimeout: fast ? 5 : 10,
        maximumLagOnFailover: 1048576,
        usePgRewind: true,
        synchronousMode: c.zeroDataLoss,
    };
    const decisions: Decision[] = [
        { topic: "etcd members", choice: "3", why: "quorum of 2 survives the loss of any one member; 1 member is a single point of failure for every write (Patroni demotes the primary without its DCS), 5 only helps when two DCS hosts may fail at once" },
        fast
            ? { topic: "Patroni timings", choice: "ttl 20, loop_wait 5, retry_timeout 5", why: "constraint no-downtime: detect a dead primary in ~20 s instead of ~30 s (Patroni's minimum ttl); 5 + 2x5 <= 20 keeps a leader from losing its key while it still retries the DCS. Costs more DCS traffic and more sensitivity to network blips" }
            : { topic: "Patroni timings", choice: "ttl 30, loop_wait 10, retry_timeout 10", why: "the playbook's defaults: a hard failure is detected within ~ttl, which tolerates short network blips without false failovers" },
        { topic: "use_pg_rewind", choice: "true", why: "a failed primary rejoins as a replica by rewinding its diverged WAL instead of a full copy" },
        c.zeroDataLoss
            ? { topic: "synchronous_mode", choice: "true", why: "constraint zero-data-loss: a commit returns only after a synchronous standby has the WAL, and Patroni only promotes that standby" }
            : { topic: "synchronous_mode", choice: "false", why: `no zero-data-loss constraint: asynchronous replication keeps commit latency low; a failover may lose up to maximum_lag_on_failover (1 MiB) of acknowledged WAL` },
    ];
    return { etcdMembers: 3, patroni, decisions };
}
