// What the kubernetes provider (the stand-in, which follows the genuine provider's await rules: its
// README, "Await semantics") waits for, on the real local cluster of scripts/k8s-local: the rules
// read the Endpoints the real endpoints controller writes, and the resource's customTimeouts bound
// the wait through the real engine.
//
// Needs root and the Docker engine's pgscale/pgbouncer image (the cluster: test/support/k8s-local.ts).
import { Stack } from "@pulumi/pulumi/automation";
import { destroyAndRemove, fixtureStack, uniqueStackName } from "../support/stack";
import { eventually } from "../support/pg";
import { useLocalCluster } from "../support/k8s-local";

jest.setTimeout(10 * 60 * 1000);

const { kubectl } = useLocalCluster(["pgscale/pgbouncer:0.1.0"]);

describe("the kubernetes provider's waits on a real cluster", () => {
    const namespace = uniqueStackName("k8saw");
    const timeoutSeconds = 30;
    let stack: Stack | undefined;
    const up = async (unready: string) => {
        await stack!.setConfig("unready", { value: unready });
        const started = Date.now();
        const res = await stack!.up({ onOutput: () => undefined }).catch((e: Error) => e);
        return { res, seconds: (Date.now() - started) / 1000 };
    };

    beforeAll(async () => {
        stack = await fixtureStack("kubernetes-awaits", namespace, { namespace: { value: namespace }, timeoutSeconds: { value: String(timeoutSeconds) } });
    });
    afterAll(async () => destroyAndRemove(stack));

    it("does not wait on selector-less or headless Services, and settles a Service that selects no pod", async () => {
        // Each Service may wait 30 s at most: one awaited for Endpoints nobody writes would fail the up.
        const { res, seconds } = await up("");
        expect(res).not.toBeInstanceOf(Error);
        // The selector Service waited for its empty Endpoints to stay unchanged for 10 s.
        expect(seconds).toBeGreaterThanOrEqual(10);
        expect(kubectl("-n", namespace, "get", "endpoints", "no-selector", "--ignore-not-found", "-o", "name")).toBe("");
    });

    it("waits on a Service while a selected pod is not ready, until the resource's customTimeouts", async () => {
        expect((await up("pod")).res).not.toBeInstanceOf(Error);
        // The Service comes once the pod has an address, so its Endpoints list the pod from the start.
        await eventually(async () => kubectl("-n", namespace, "get", "pods", "-l", "app=unready",
            "-o", "jsonpath={.items[*].status.podIP}") || undefined, 120000, "the unready pod's address", 1000);
        const { res, seconds } = await up("service");
        expect(res).toBeInstanceOf(Error);
        expect((res as Error).message).toMatch(new RegExp(`Service ${namespace}/unready not ready after ${timeoutSeconds}s: selected pods are not ready`));
        // The headless Service selecting the same pod was created at once.
        expect((res as Error).message).toMatch(/Service headless-unready created/);
        expect((res as Error).message).not.toMatch(/headless-unready[^\n]*(error|failed)/);
        expect(seconds).toBeGreaterThanOrEqual(timeoutSeconds);
        expect(seconds).toBeLessThan(timeoutSeconds + 60);
    });
});
