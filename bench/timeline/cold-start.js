// Per-resource timeline of a cold startPostgres() / startCluster() stack: when each resource
// started and finished, from the engine events of the same inline program @pgscale/testing runs.
// For finding where a cold start goes, not a benchmark (no baseline, one run; bench/ has those).
// Usage (after npm run build, with scripts/env.sh sourced): node bench/timeline/cold-start.js [postgres|cluster]
// KEEP=1 leaves the stack running (its containers: docker ps --filter name=prof-).
const path = require("path");
const ROOT = path.resolve(__dirname, "../..");
const root = path.join(ROOT, "packages/testing/dist");
const { LocalWorkspace } = require(path.join(ROOT, "node_modules/@pulumi/pulumi/automation"));
const { planStart } = require(path.join(root, "options"));
const { topologyProgram } = require(path.join(root, "topology"));
const { createClusterDir, removeClusterDir } = require(path.join(root, "state-dir"));
const { currentOwner, formatOwner } = require(path.join(root, "owner"));
(async () => {
  const kind = process.argv[2] || "postgres";
  const plan = planStart(kind, { silent: true, name: "prof" });
  const stackName = "prof-" + Date.now().toString(36);
  const me = currentOwner();
  const dir = createClusterDir(plan.stateRoot, stackName, me, formatOwner(me));
  const t0 = Date.now();
  const at = () => ((Date.now() - t0) / 1000).toFixed(2).padStart(6);
  const stack = await LocalWorkspace.createOrSelectStack({ stackName, projectName: "pgscale-testing", program: topologyProgram(plan, formatOwner(me), dir.dir) }, {
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
  if (process.env.KEEP !== "1") { await stack.destroy(); removeClusterDir(dir.dir); console.log("destroyed"); }
})().catch((e) => { console.error(e); process.exit(1); });
