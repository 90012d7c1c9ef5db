#!/usr/bin/env node
// `pgscale-testing prune` reaps leftovers of crashed runs; `pgscale-testing start` holds a cluster
// for manual work (or another process) until interrupted.
import { ClusterOptions } from "./options";
import { prune } from "./prune";
import { startCluster, startPostgres } from "./start";

const USAGE = `usage:
  pgscale-testing prune [--state DIR] [--only-state] [--reuse expired|idle] [--json]
      Removes containers, networks, volumes, orphaned Pulumi processes and state of test clusters
      whose owning process is dead. Clusters of running processes are left alone. Clusters kept
      for reuse are removed once idle past their TTL (--reuse idle: once no process holds them).
      --only-state: only clusters whose state lies in the --state directory.
  pgscale-testing start [--postgres] [--postgres-version 15|17] [--nodes N] [--pooler]
                        [--synchronous | --quorum] [--etcd-members N] [--profile durable|fast]
                        [--allow-unsafe-durability] [--state DIR]
      Starts a cluster, prints its environment (export PGSCALE_PRIMARY_URI=...) on stdout and
      keeps it until SIGINT or SIGTERM, then destroys it. --quorum: quorum commit (17 only).`;

function parse(args: string[]): { flags: Set<string>; values: Map<string, string> } {
    const flags = new Set<string>();
    const values = new Map<string, string>();
    for (let i = 0; i < args.length; i++) {
        const a = args[i];
        if (!a.startsWith("--")) throw new Error(`unexpected argument ${a}`);
        if (["--state", "--nodes", "--etcd-members", "--profile", "--reuse", "--postgres-version"].includes(a)) {
            if (i + 1 >= args.length) throw new Error(`${a} needs a value`);
            values.set(a, args[++i]);
        } else flags.add(a);
    }
    return { flags, values };
}

function num(v: string | undefined): number | undefined {
    return v === undefined ? undefined : Number(v);
}

async function start(args: string[]): Promise<void> {
    // Registered before starting: an interrupt during the start waits for it, then destroys. `on`, not
    // `once`: execa (in the Automation API) re-raises a signal that no other listener is left for.
    let interrupts = 0;
    const interrupted = new Promise<void>((resolve) => {
        const onSignal = () => {
            if (++interrupts === 1) return resolve();
            process.stderr.write("pgscale-testing: interrupted again; the next start or `pgscale-testing prune` reaps what is left\n");
            process.exit(130);
        };
        process.on("SIGINT", onSignal);
        process.on("SIGTERM", onSignal);
    });
    const { flags, values } = parse(args);
    const known = ["--postgres", "--pooler", "--synchronous", "--quorum", "--allow-unsafe-durability"];
    const unknown = [...flags].filter((f) => !known.includes(f));
    if (unknown.length) throw new Error(`unknown option ${unknown[0]}`);
    const common = {
        stateDir: values.get("--state"),
        profile: values.get("--profile") as ClusterOptions["profile"],
        allowUnsafeDurability: flags.has("--allow-unsafe-durability"),
        // Checked by planStart like any other value: "16" is refused there, naming postgresVersion.
        postgresVersion: num(values.get("--postgres-version")) as ClusterOptions["postgresVersion"],
    };
    const db = flags.has("--postgres")
        ? await startPostgres(common)
        : await startCluster({
            ...common,
            nodes: num(values.get("--nodes")),
            etcdMembers: num(values.get("--etcd-members")),
            pooler: flags.has("--pooler"),
            synchronousMode: flags.has("--quorum") ? "quorum" : flags.has("--synchronous"),
        });
    for (const [k, v] of Object.entries(db.env())) process.stdout.write(`export ${k}='${v.replace(/'/g, "'\\''")}'\n`);
    // Signal listeners alone do not keep Node running.
    const keepAlive = setInterval(() => undefined, 1 << 30);
    await interrupted;
    clearInterval(keepAlive);
    await db.destroy();
}

async function main(argv: string[]): Promise<number> {
    const [command, ...rest] = argv;
    // Before dispatching: `pgscale-testing prune --help` must show the usage, not prune.
    if (command === "--help" || command === "-h" || rest.includes("--help") || rest.includes("-h")) {
        process.stdout.write(`${USAGE}\n`);
        return 0;
    }
    if (command === "prune") {
        const { flags, values } = parse(rest);
        const reuse = values.get("--reuse");
        if (reuse !== undefined && reuse !== "expired" && reuse !== "idle") throw new Error(`--reuse: expected expired or idle, not ${reuse}`);
        const unknown = [...flags].filter((f) => f !== "--json" && f !== "--only-state");
        if (unknown.length) throw new Error(`unknown option ${unknown[0]}`);
        const report = await prune({ stateDir: values.get("--state"), reuse, onlyStateDir: flags.has("--only-state") });
        if (flags.has("--json")) process.stdout.write(JSON.stringify(report) + "\n");
        else process.stderr.write(`pgscale-testing: pruned ${report.reaped.length} stacks (${report.containers} containers, ${report.networks} networks, ` +
            `${report.volumes} volumes, ${report.processes} processes, ${report.dirs} state dirs); ${report.kept.length} live stacks kept\n`);
        return 0;
    }
    if (command === "start") {
        await start(rest);
        return 0;
    }
    process.stderr.write(`${USAGE}\n`);
    return command === undefined ? 0 : 2;
}

main(process.argv.slice(2)).then(
    (code) => {
        process.exitCode = code;
    },
    (e: Error) => {
        process.stderr.write(`pgscale-testing: ${e.message}\n`);
        process.exitCode = 1;
    },
);
