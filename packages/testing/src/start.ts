import { launch } from "./launch";
import { ClusterOptions, PostgresOptions, planStart } from "./options";
import { TestCluster, TestDatabase } from "./test-cluster";

/**
 * An HA cluster for a test suite (etcd, Patroni nodes, HAProxy, optionally PgBouncer) from the
 * @pgscale/docker constructs, in a stack and state directory of its own. Leftovers of crashed runs
 * are reaped first. Resolves once the primary accepts writes and every replica streams.
 */
export async function startCluster(opts: ClusterOptions = {}): Promise<TestCluster> {
    const plan = planStart("cluster", opts);
    const { info, destroy } = await launch(plan);
    return new TestCluster(info, plan.log, destroy);
}

/**
 * A single PostgreSQL for suites that need no HA: the same constructs with one Patroni node (and
 * one etcd member), so images, settings, SCRAM users and snapshots are those of startCluster;
 * clients connect straight to the node, without HAProxy.
 */
export async function startPostgres(opts: PostgresOptions = {}): Promise<TestDatabase> {
    const plan = planStart("postgres", opts);
    const { info, destroy } = await launch(plan);
    return new TestDatabase(info, plan.log, destroy);
}
