// Per-resource timeline of a cold startPostgres() / startCluster() stack: when each resource
// started and finished, from the engine events of the same inline program @pgscale/testing runs,
// and where the CPU went. For finding where a cold start goes, not a benchmark (no baseline;
// bench/ has those).
// Usage (after npm run build, with scripts/env.sh sourced):
//   node bench/timeline/cold-start.js [postgres|cluster|floor] [rounds]
// floor: the program of Pulumi's floor in the testing benchmark (one GeneratedSecret, one
// container), for comparison. Rounds after the first run in the same process, as a test file's
// second cluster does (modules loaded, providers serialized once).
// KEEP=1 leaves the last round's stack running (its containers: docker ps --filter name=prof-).
//
// CPU (seconds, from /proc, for the whole round): "program" is this process (the inline program
// and the Automation API), "pulumi" the CLI runs it waited for with their plugins (engine, the
// dynamic-provider host, the docker provider), "docker" dockerd and containerd, "rest" everything
// else the machine did meanwhile (the containers' processes, mostly).
const fs = require("fs");
const path = require("path");
const { execFileSync } = require("child_process");
const ROOT = path.resolve(__dirname, "../..");
const root = path.join(ROOT, "packages/testing/dist");
const { LocalWorkspace } = require(path.join(ROOT, "node_modules/@pulumi/pulumi/automation"));
const { planStart } = require(path.join(root, "options"));
const { topologyProgram } = require(path.join(root, "topology"));
const { createClusterDir, removeClusterDir } = require(path.join(root, "state-dir"));
const { currentOwner, formatOwner } = require(path.join(root, "owner"));

const TICK = 100; // USER_HZ
/** utime+stime of a process and of its waited-for children, in seconds. */
function procCpu(pid) {
  const s = fs.readFileSync(`/proc/${pid}/stat`, "utf8");
  const f = s.slice(s.lastIndexOf(")") + 2).split(" ").map(Number);
  return { self: (f[11] + f[12]) / TICK, children: (f[13] + f[14]) / TICK };
}
function machineBusy() {
  const f = fs.readFileSync("/proc/stat", "utf8").split("\n")[0].trim().split(/\s+/).slice(1).map(Number);
  return (f.reduce((a, b) => a + b, 0) - f[3] - f[4]) / TICK;
}
const daemons = (() => { try { return execFileSync("pgrep", ["-x", "dockerd|containerd"], { encoding: "utf8" }).trim().split("\n").filter(Boolean); } catch { return []; } })();
const cpuNow = () => ({ me: procCpu(process.pid), docker: daemons.reduce((a, p) => a + procCpu(p).self, 0), busy: machineBusy() });

/** Pulumi's floor as the testing benchmark measures it (bench/benchmarks/inline-floor.ts). */
function floorProgram() {
  const pulumi = require(path.join(ROOT, "node_modules/@pulumi/pulumi"));
  const docker = require(path.join(ROOT, "node_modules/@pulumi/docker"));
  const { GeneratedSecret } = require(path.join(ROOT, "packages/postgres/dist"));
  const image = require(path.join(ROOT, "packages/core/dist")).DEFAULT_IMAGES.etcd;
  return async () => {
    const secret = new GeneratedSecret("floor-secret", {});
    const img = new docker.RemoteImage("floor-image", { name: image, keepLocally: true });
    new docker.Container("floor", {
      name: `prof-floor-${pulumi.getStack()}`, image: img.imageId, command: ["sleep", "infinity"],
      envs: [pulumi.interpolate`FLOOR_SECRET=${secret.value}`],
    });
  };
}

async function round(kind, last) {
  const plan = planStart(kind === "cluster" ? "cluster" : "postgres", { silent: true, name: "prof" });
  const stackName = "prof-" + Date.now().toString(36);
  const me = currentOwner();
  const dir = createClusterDir(plan.stateRoot, stackName, me, formatOwner(me));
  const c0 = cpuNow();
  const t0 = Date.now();
  const at = () => ((Date.now() - t0) / 1000).toFixed(2).padStart(6);
  const program = kind === "floor" ? floorProgram() : topologyProgram(plan, formatOwner(me), dir.dir);
  const stack = await LocalWorkspace.createOrSelectStack({ stackName, projectName: "pgscale-testing", program }, {
    workDir: dir.work, envVars: { PULUMI_BACKEND_URL: `file://${dir.backend}`, PULUMI_CONFIG_PASSPHRASE: require("crypto").randomBytes(12).toString("hex"), PULUMI_SKIP_UPDATE_CHECK: "true", PULUMI_DIY_BACKEND_NO_LEGACY_WARNING: "true", TMPDIR: dir.tmp } });
  console.log(at(), "stack selected");
  const name = (urn) => urn.slice(urn.lastIndexOf("::") + 2);
  const started = new Map();
  await stack.up({ onEvent: (e) => {
    const pre = e.resourcePreEvent?.metadata;
    if (pre) { started.set(pre.urn, Date.now()); console.log(at(), "pre ", pre.op, pre.type.split(":").pop(), name(pre.urn)); }
    const done = e.resOutputsEvent?.metadata;
    if (done) { const s = started.get(done.urn); console.log(at(), "done", done.op, done.type.split(":").pop(), name(done.urn), s ? `(${((Date.now() - s) / 1000).toFixed(2)} s)` : ""); }
    if (e.preludeEvent) console.log(at(), "prelude");
    if (e.summaryEvent) console.log(at(), "summary");
  } });
  console.log(at(), "up returned");
  const c1 = cpuNow();
  const program_ = c1.me.self - c0.me.self, pulumi = c1.me.children - c0.me.children, docker = c1.docker - c0.docker, all = c1.busy - c0.busy;
  console.log(`CPU s: program ${program_.toFixed(2)}, pulumi ${pulumi.toFixed(2)}, docker ${docker.toFixed(2)}, rest ${(all - program_ - pulumi - docker).toFixed(2)}, all ${all.toFixed(2)} (${(all / ((Date.now() - t0) / 1000)).toFixed(2)} cores busy on average)`);
  if (last && process.env.KEEP === "1") return;
  await stack.destroy();
  removeClusterDir(dir.dir);
  console.log("destroyed");
}

(async () => {
  const kind = process.argv[2] || "postgres";
  if (!["postgres", "cluster", "floor"].includes(kind)) throw new Error(`kind: postgres, cluster or floor, not ${kind}`);
  const rounds = Number(process.argv[3] || 1);
  for (let r = 1; r <= rounds; r++) {
    console.log(`--- ${kind}, round ${r} of ${rounds}`);
    await round(kind, r === rounds);
  }
})().catch((e) => { console.error(e); process.exit(1); });
