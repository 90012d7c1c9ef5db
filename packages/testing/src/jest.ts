import { ENV } from "./cluster-info";
import { ClusterOptions } from "./options";
import { startCluster } from "./start";
import { TestCluster } from "./test-cluster";

// globalSetup and globalTeardown run in jest's parent process; a global is how they share the handle.
const KEY = Symbol.for("@pgscale/testing/jest-cluster");
type Holder = { [KEY]?: TestCluster };

/**
 * A jest `globalSetup`: one cluster for the whole run, published to every worker through
 * PGSCALE_PRIMARY_URI, PGSCALE_REPLICA_URI, PGSCALE_POOLER_URI, PGSCALE_SYNC_REPLICA_URI,
 * PGSCALE_SUPERUSER_URI and PGSCALE_TESTING_CLUSTER (for clusterFromEnv()).
 *
 *     // jest.global-setup.js
 *     module.exports = require("@pgscale/testing").jestGlobalSetup({ nodes: 3, pooler: true, profile: "fast" });
 */
export function jestGlobalSetup(opts: ClusterOptions = {}): () => Promise<void> {
    return async () => {
        const cluster = await startCluster(opts);
        (globalThis as Holder)[KEY] = cluster;
        // Workers are forked after globalSetup and inherit the parent's environment.
        Object.assign(process.env, cluster.env());
    };
}

/** The matching `globalTeardown`: destroys the cluster jestGlobalSetup started (with reuse: true, keeps it for the next run). */
export function jestGlobalTeardown(): () => Promise<void> {
    return async () => {
        const cluster = (globalThis as Holder)[KEY];
        delete (globalThis as Holder)[KEY];
        for (const name of Object.values(ENV)) delete process.env[name];
        await cluster?.stop();
    };
}
