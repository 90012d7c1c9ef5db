import { LocalWorkspace } from "@pulumi/pulumi/automation";
import * as fs from "fs"; import * as os from "os"; import * as path from "path";
import { EtcdCluster, PatroniCluster, HAProxyFrontend } from "@pgscale/docker";
jest.setTimeout(600000);
it("spike", async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "pgs-spike-"));
  const stackName = "spike" + Date.now().toString(36);
  const t0 = Date.now();
  const stack = await LocalWorkspace.createOrSelectStack({ stackName, projectName: "pgscale-testing", program: async () => {
    const dcs = new EtcdCluster("dcs", { members: 1 });
    const pg = new PatroniCluster("pg", { dcs, nodes: 2, patroni: { ttl: 20, loopWait: 2, retryTimeout: 5 } });
    const lb = new HAProxyFrontend("lb", { cluster: pg });
    return { primaryUri: lb.primaryUri };
  } }, { envVars: { PULUMI_BACKEND_URL: `file://${dir}`, PULUMI_CONFIG_PASSPHRASE: "x" } });
  console.log("ws", Date.now() - t0, stack.workspace.workDir);
  try {
    const up = await stack.up({ onOutput: (s) => process.stdout.write(s) });
    console.log("up", Date.now() - t0, up.outputs.primaryUri.value);
  } finally {
    const t1 = Date.now();
    await stack.destroy({ onOutput: () => undefined });
    await stack.workspace.removeStack(stackName);
    console.log("destroy", Date.now() - t1);
  }
});
