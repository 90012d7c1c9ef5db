// Per-resource timeline of a `pulumi up` of the HA benchmark's topology (bench/ha/fixture) at
// Patroni's default timings (the ha-up benchmark's first row): when each resource started and
// finished, from the engine events. For finding where an `up` goes before the members start, not a
// benchmark (no baseline, one run; `npm run bench -- ha-up` has those).
// Usage (after npm run build, with scripts/env.sh sourced): node bench/timeline/ha-up.js
// KEEP=1 leaves the stack running (bench/ha/fixture, stack name printed).
const path = require("path");
const { randomBytes } = require("crypto");
const ROOT = path.resolve(__dirname, "../..");
const { LocalWorkspace } = require(path.join(ROOT, "node_modules/@pulumi/pulumi/automation"));
(async () => {
  const stackName = "timeline-" + Date.now().toString(36);
  const env = { PULUMI_CONFIG_PASSPHRASE: process.env.PULUMI_CONFIG_PASSPHRASE || randomBytes(12).toString("hex") };
  const stack = await LocalWorkspace.createOrSelectStack({ stackName, workDir: path.join(ROOT, "bench/ha/fixture") }, { envVars: env });
  const config = { nodes: "3", ttl: "30", loopWait: "10", retryTimeout: "10", pooler: "false", parameters: JSON.stringify({ max_connections: "200" }), checkInterMs: "2000", checkFall: "3", checkRise: "2" };
  await stack.setAllConfig(Object.fromEntries(Object.entries(config).map(([k, value]) => [k, { value }])));
  const t0 = Date.now();
  const at = () => ((Date.now() - t0) / 1000).toFixed(2).padStart(6);
  const name = (urn) => urn.slice(urn.lastIndexOf("::") + 2);
  try {
    await stack.up({ onEvent: (e) => {
      const pre = e.resourcePreEvent?.metadata;
      if (pre && pre.op !== "same") console.log(at(), "pre ", pre.op, pre.type.split(":").pop(), name(pre.urn));
      const done = e.resOutputsEvent?.metadata;
      if (done && done.op !== "same") console.log(at(), "done", done.op, name(done.urn));
    } });
    console.log(at(), "up finished");
  } finally {
    if (process.env.KEEP) console.log(`kept: stack ${stackName} in bench/ha/fixture`);
    else {
      await stack.destroy();
      await stack.workspace.removeStack(stackName);
    }
  }
})().catch((e) => { console.error(e.message.slice(-2000)); process.exit(1); });
