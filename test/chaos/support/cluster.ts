import * as net from "net";
import * as path from "path";
import { LocalWorkspace, Stack } from "@pulumi/pulumi/automation";
import { ClusterInfo, TestCluster } from "@pgscale/testing";
import { destroyAndRemove, docker, plainOutputs, stackEnv, uniqueStackName } from "../../support/stack";

/** Bytes a replica may be behind before HAProxy stops routing reads to it (Patroni's /replica?lag=). */
export const MAX_REPLICA_LAG_BYTES = 1024 * 1024;
/** The fixture's Patroni timings (the smallest valid ones). */
export const TIMINGS = { ttl: 20, loopWait: 1, retryTimeout: 3 } as const;

interface Outputs {
    primaryUri: string;
    replicaUri: string;
    poolerUri: string;
    superuserPassword: string;
    restApiUser: string;
    restApiPassword: string;
    restApiCaPem?: string;
    network: string;
    members: Array<{ name: string; container: string; restUrl: string }>;
    etcd: Array<{ name: string; container: string }>;
    haproxyContainer: string;
    poolerContainer: string;
}

export interface ChaosCluster {
    stack: Stack;
    /** The @pgscale/testing view of the cluster: its chaos helpers (killPrimary, isolate, ...) drive the faults. */
    cluster: TestCluster;
    info: ClusterInfo;
    primaryUri: string;
    replicaUri: string;
    poolerUri: string;
    superuserUri: string;
    containers: { haproxy: string; pooler: string; etcd: Record<string, string>; members: Record<string, string> };
}

/** A port nothing listens on right now; the fixture pins listeners there so a restarted frontend keeps its URI. */
function freePort(): Promise<number> {
    return new Promise((resolve, reject) => {
        const s = net.createServer();
        s.on("error", reject);
        s.listen(0, "127.0.0.1", () => {
            const port = (s.address() as net.AddressInfo).port;
            s.close(() => resolve(port));
        });
    });
}

const log = (line: string) => process.stderr.write(`chaos: ${line}\n`);

export async function startChaosCluster(opts: { synchronousMode: boolean }): Promise<ChaosCluster> {
    const name = uniqueStackName("chaos");
    const stack = await LocalWorkspace.createOrSelectStack(
        { stackName: name, workDir: path.resolve(__dirname, "../fixtures/cluster") },
        { envVars: stackEnv() },
    );
    try {
        const ports: number[] = [];
        while (ports.length < 5) {
            const p = await freePort();
            if (!ports.includes(p)) ports.push(p);
        }
        const [primaryPort, replicaPort, syncReplicaPort, statsPort, poolerPort] = ports;
        await stack.setAllConfig({
            synchronousMode: { value: String(opts.synchronousMode) },
            primaryPort: { value: String(primaryPort) },
            replicaPort: { value: String(replicaPort) },
            syncReplicaPort: { value: String(syncReplicaPort) },
            statsPort: { value: String(statsPort) },
            poolerPort: { value: String(poolerPort) },
            maxReplicaLagBytes: { value: String(MAX_REPLICA_LAG_BYTES) },
        });
        const t0 = Date.now();
        log(`pulumi up ${name}`);
        const res = await stack.up({ onOutput: () => undefined });
        log(`${name} up in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
        const out = plainOutputs(res.outputs) as Outputs;
        const superuser = new URL(out.primaryUri);
        superuser.username = "postgres";
        superuser.password = out.superuserPassword;
        superuser.pathname = "/postgres";
        const info: ClusterInfo = {
            kind: "cluster",
            project: "pgscale-chaos",
            stackName: name,
            stateDir: "",
            network: out.network,
            synchronousMode: opts.synchronousMode,
            database: "appdb",
            owner: "app",
            primaryUri: out.primaryUri,
            replicaUri: out.replicaUri,
            poolerUri: out.poolerUri,
            superuserUri: superuser.toString(),
            restApi: { username: out.restApiUser, password: out.restApiPassword, ...(out.restApiCaPem ? { ca: out.restApiCaPem } : {}) },
            members: out.members.map((m) => ({ ...m })),
            services: [
                ...out.etcd.map((e) => ({ name: e.name, container: e.container, kind: "etcd" as const })),
                { name: "lb", container: out.haproxyContainer, kind: "haproxy" as const },
                { name: "pool", container: out.poolerContainer, kind: "pgbouncer" as const },
            ],
        };
        return {
            stack,
            cluster: new TestCluster(info, log),
            info,
            primaryUri: out.primaryUri,
            replicaUri: out.replicaUri,
            poolerUri: out.poolerUri,
            superuserUri: info.superuserUri,
            containers: {
                haproxy: out.haproxyContainer,
                pooler: out.poolerContainer,
                etcd: Object.fromEntries(out.etcd.map((e) => [e.name, e.container])),
                members: Object.fromEntries(out.members.map((m) => [m.name, m.container])),
            },
        };
    } catch (e) {
        await destroyAndRemove(stack).catch(() => undefined);
        throw e;
    }
}

/** Containers go first (nothing here is worth a clean shutdown), then the stack and its state. */
export async function stopChaosCluster(c: ChaosCluster | undefined): Promise<void> {
    if (!c) return;
    const ids = docker("ps", "-aq", "--filter", `label=pgscale.stack=${c.stack.name}`).split("\n").filter(Boolean);
    if (ids.length) docker("rm", "-f", "-v", ...ids);
    await destroyAndRemove(c.stack);
}
