import { startCluster } from "@pgscale/testing";
jest.setTimeout(600000);
it("spike", async () => {
  const c = await startCluster({ nodes: 3, pooler: true, profile: "fast" });
  try {
    console.log(c.info);
    console.log(await c.members());
    let t = Date.now(); await c.snapshot("clean"); console.log("snapshot", Date.now() - t);
    t = Date.now(); await c.restore("clean"); console.log("restore", Date.now() - t);
    t = Date.now(); await c.restore("clean"); console.log("restore", Date.now() - t);
    console.log(await c.switchover());
    console.log(await c.stopPrimary());
  } finally { await c.destroy(); }
});
