import { rollingHandlers } from "./rollout";

const selector = { project: "p", stack: "s", component: "pg" };
const members = ["pg-0", "pg-1", "pg-2"];

describe("PatroniRollout provider (paths that need no live cluster)", () => {
    it("plans the declared order on create, without asking the cluster for its leader", async () => {
        const { inputs } = await rollingHandlers.rolloutCheck({}, { selector, members, revisions: { "pg-0": "a", "pg-1": "a", "pg-2": "a" } });
        expect(inputs.plan).toEqual({ order: members, replace: [], leader: null, steps: [] });
    });

    it("keeps the stored plan when nothing changes, so a no-op preview shows no diff", async () => {
        const plan = { order: ["pg-1", "pg-2", "pg-0"], replace: ["pg-1", "pg-2", "pg-0"], leader: "pg-0", steps: ["..."] };
        const revisions = { "pg-0": "b", "pg-1": "b", "pg-2": "b" };
        const olds = { selector, members, revisions, plan };
        const { inputs } = await rollingHandlers.rolloutCheck(olds, { selector, members, revisions });
        expect(inputs.plan.order).toEqual(plan.order);
        expect(rollingHandlers.rolloutDiff({ ...olds, plan: inputs.plan }, inputs).changes).toBe(false);
        expect(rollingHandlers.rolloutDiff(olds, { ...inputs, revisions: { ...revisions, "pg-1": "c" } }).changes).toBe(true);
    });

    it("runs a gate only when its member's fingerprint changes", () => {
        const gate = { selector, member: "pg-0", members, prefer: [], revision: "a", username: "patroni", password: "x", superuserPassword: "y", timeoutSeconds: 1 };
        expect(rollingHandlers.gateDiff(gate, { ...gate, members: ["pg-0", "pg-1"], prefer: ["pg-1"] }).changes).toBe(false);
        expect(rollingHandlers.gateDiff(gate, { ...gate, revision: "b" }).changes).toBe(true);
    });

    it("stores a rotated CA without waiting on the cluster, so a later delete verifies the members with the current bundle", async () => {
        const gate = { selector, member: "pg-0", members, prefer: [], revision: "a", username: "patroni", password: "x", superuserPassword: "y", restCaPem: "CA1", pgCaPem: "CA1", timeoutSeconds: 1 };
        const rotated = { ...gate, restCaPem: "CA2\nCA1", pgCaPem: "CA2\nCA1" };
        expect(rollingHandlers.gateDiff(gate, rotated).changes).toBe(true);
        expect(rollingHandlers.gateDiff(gate, { ...gate, pgCaPem: "CA2" }).changes).toBe(true);
        // No member to prepare and no cluster to ask (none runs here): the update only stores the new inputs.
        await expect(rollingHandlers.gateUpdate(gate, rotated)).resolves.toEqual({ outs: rotated });
        await expect(rollingHandlers.gateUpdate({ ...gate, member: undefined }, { ...rotated, member: undefined })).resolves.toEqual({ outs: { ...rotated, member: undefined } });
    });
});
