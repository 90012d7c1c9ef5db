import { ClusterOptions, PostgresOptions, StartPlan, planStart } from "./options";
import { ProgressLogger } from "./progress";
import { startKept } from "./reuse";
import { ClusterInfo } from "./cluster-info";
import { TestCluster, TestDatabase } from "./test-cluster";

type Make<T> = (info: ClusterInfo, log: ProgressLogger, teardown?: () => Promise<void>, kept?: { reused: boolean; detach: () => Promise<void> }) => T;

async function start<T>(plan: StartPlan, make: Make<T>): Promise<T> {
    if (plan.reuse) {
        const k = await startKept(plan);
        return make(k.info, plan.log, k.destroy, { reused: k.reused, detach: k.release });
    }
    const { launch } = await import("./launch");
    const { info, destroy } = await launch(plan);
    return make(info, plan.log, destroy);
}

/**
 * An HA cluster for a test suite (etcd, Patroni nodes, HAProxy, optionally PgBouncer) from the
 * @pgscale/docker constructs, in a stack and state directory of its own. Leftovers of crashed runs
 * are reaped first. Resolves once the primary accepts writes and every replica streams. With
 * `reuse: true`, a healthy cluster of the same spec kept by an earlier run is taken instead, its
 * database reset (see docs/testing.md, "Reusing clusters").
 */
export function startCluster(opts: ClusterOptions = {}): Promise<TestCluster> {
    return start(planStart("cluster", opts), (...a) => new TestCluster(...a));
}

/**
 * A single PostgreSQL for suites that need no HA: the same constructs with one Patroni node (and
 * one etcd member), so images, settings, SCRAM users and snapshots are those of startCluster;
 * clients connect straight to the node, without HAProxy.
 */
export function startPostgres(opts: PostgresOptions = {}): Promise<TestDatabase> {
    return start(planStart("postgres", opts), (...a) => new TestDatabase(...a));
}
