// The docker provider's semantics as a PatroniCluster meets them in `pulumi up`:
// - A healthcheck edit is recorded by the provider without replacing the containers, so the
//   rollout must not run: no gate, no switchover (same leader, same timeline), same containers.
// - A Docker volume left with a member's data-volume name would be adopted by the provider with
//   its old PGDATA; the cluster refuses it by name before creating any of its containers.
// - With an explicit docker provider, pgscale's own providers act on its `host`, and a host they
//   cannot reach is refused, naming the setting, before anything exists on an engine.
import { isLeaderRole } from "@pgscale/core";
import { EngineEvent, Stack } from "@pulumi/pulumi/automation";
import { destroyAndRemove, docker, dockerObjectsOfStack, fixtureStack, plainOutputs, storedState, uniqueStackName } from "../support/stack";
import { eventually } from "../support/pg";
import { clusterMembers } from "../support/patroni";

jest.setTimeout(15 * 60 * 1000);

interface Outputs {
    members: Array<{ name: string; container: string; restUrl: string }>;
}

const PROJECT = "pgscale-e2e-docker-semantics";
const quiet = { onOutput: () => undefined };

/** Leader name and its timeline, from Patroni's view. */
async function leaderAndTimeline(restUrl: string): Promise<{ leader: string; timeline: number }> {
    const members = await clusterMembers(restUrl);
    const leader = members.find((m) => isLeaderRole(m.role))!;
    return { leader: leader.name, timeline: Number(leader.timeline) };
}

/** Every resource an update touches, but the stack and the providers. */
function changed(events: EngineEvent[]): string[] {
    return events
        .map((e) => e.resourcePreEvent?.metadata)
        .filter((m) => m && m.op !== "same" && m.type !== "pulumi:pulumi:Stack" && !m.type.startsWith("pulumi:providers:"))
        .map((m) => `${m!.type} ${m!.op} ${m!.urn.replace(/^.*::/, "")}`)
        .sort();
}

describe("docker provider semantics on a PatroniCluster", () => {
    const name = uniqueStackName("dsem");
    let stack: Stack | undefined;
    let out: Outputs;

    const settled = () => eventually(async () => {
        const members = await clusterMembers(out.members[0].restUrl);
        return members.length === 2 && members.every((m) => m.state === "running" || m.state === "streaming") &&
            members.filter((m) => m.role !== "leader").every((m) => m.lag === 0);
    }, 120000, "2 members running with no lag", 500);

    beforeAll(async () => {
        stack = await fixtureStack("docker-semantics", name, { healthcheckIntervalSeconds: { value: "2" } });
        const res = await stack.up(quiet);
        out = plainOutputs(res.outputs) as Outputs;
        await settled();
    });
    afterAll(async () => destroyAndRemove(stack));

    it("records a healthcheck edit without replacing anything: no gate runs, no switchover", async () => {
        const before = await leaderAndTimeline(out.members[0].restUrl);
        const ids = out.members.map((m) => docker("inspect", "--format", "{{.Id}}", m.container));

        await stack!.setConfig("healthcheckIntervalSeconds", { value: "5" });
        const planned: EngineEvent[] = [];
        const preview = await stack!.preview({ ...quiet, onEvent: (e) => planned.push(e) });
        expect(preview.changeSummary.replace ?? 0).toBe(0);
        // The two member containers, recorded only, and no rollout. (The DCS reconciler reads the
        // members' URLs from the containers, unknown in a preview of their update.)
        expect(changed(planned)).toEqual([
            "docker:index/container:Container update pg-0", "docker:index/container:Container update pg-1",
            "pulumi-nodejs:dynamic/pgscale:PatroniDynamicConfig update pg-dcs-config",
        ]);

        const events: EngineEvent[] = [];
        const res = await stack!.up({ ...quiet, onEvent: (e) => events.push(e) });
        expect(res.summary.result).toBe("succeeded");
        expect(changed(events)).toEqual(["docker:index/container:Container update pg-0", "docker:index/container:Container update pg-1"]);

        // Same containers, still probing every 2 s (the provider never applies a healthcheck change).
        expect(out.members.map((m) => docker("inspect", "--format", "{{.Id}}", m.container))).toEqual(ids);
        for (const m of out.members) expect(docker("inspect", "--format", "{{.Config.Healthcheck.Interval}}", m.container)).toBe("2s");
        await settled();
        expect(await leaderAndTimeline(out.members[0].restUrl)).toEqual(before);
    });

    it("refuses a leftover volume of a member's data-volume name, naming it, before creating the cluster's containers", async () => {
        const second = uniqueStackName("dsem-left");
        const leftover = `${PROJECT}-${second}-pg-1-data`;
        docker("volume", "create", "--label", `pgscale.stack=${second}`, leftover);
        docker("run", "--rm", "-v", `${leftover}:/v`, "debian:bookworm-slim", "sh", "-c", "echo old-pgdata > /v/marker");
        let other: Stack | undefined;
        try {
            other = await fixtureStack("docker-semantics", second);
            // `pulumi up` previews first: the preview already refuses.
            await expect(other.preview(quiet)).rejects.toThrow(new RegExp(`Docker volume ${leftover} already exists.*adoptExistingVolumes: true`));
            await expect(other.up(quiet)).rejects.toThrow(new RegExp(`Docker volume ${leftover} already exists`));
            const left = dockerObjectsOfStack(second);
            expect(left.containers.filter((c) => /-pg-\d$/.test(c))).toEqual([]);
            // No member volume was created (the DCS's may have been, in parallel), and the leftover is untouched.
            expect(left.volumes.filter((v) => /-pg-\d-data$/.test(v))).toEqual([leftover]);
            expect(docker("run", "--rm", "-v", `${leftover}:/v`, "debian:bookworm-slim", "cat", "/v/marker")).toBe("old-pgdata");
        } finally {
            await destroyAndRemove(other);
            docker("volume", "rm", "-f", leftover);
        }
        expect(dockerObjectsOfStack(second)).toEqual({ containers: [], networks: [], volumes: [] });
    });

    it("acts on the host of an explicit docker provider, and refuses one it cannot reach, naming it, before creating anything", async () => {
        const same = uniqueStackName("dsem-host");
        let ok: Stack | undefined;
        try {
            ok = await fixtureStack("docker-semantics", same, { engineHost: { value: "unix:///var/run/docker.sock" } });
            const res = await ok.up(quiet);
            expect(res.summary.result).toBe("succeeded");
            const resources = JSON.parse(storedState(ok)).deployment.resources as Array<{ urn: string; inputs: Record<string, unknown> }>;
            const hostOf = (suffix: string) => resources.find((r) => r.urn.endsWith(suffix))?.inputs.dockerHost;
            for (const r of ["::pg-preflight", "::pg-0-gate", "::pg-rollout", "::dcs-preflight"]) {
                expect([r, hostOf(r)]).toEqual([r, "unix:///var/run/docker.sock"]);
            }
        } finally {
            await destroyAndRemove(ok);
        }

        const unreachable = uniqueStackName("dsem-nohost");
        let bad: Stack | undefined;
        try {
            bad = await fixtureStack("docker-semantics", unreachable, { engineHost: { value: "unix:///nonexistent/docker.sock" } });
            // The provider is created in this same deployment, so its host is known only at `up`;
            // whichever construct's check runs first refuses.
            await expect(bad.up(quiet)).rejects.toThrow(
                /(EtcdCluster dcs|PatroniCluster pg): the Docker engine at the `host` of the docker provider given to it = unix:\/\/\/nonexistent\/docker\.sock cannot be reached/);
            const resources = JSON.parse(storedState(bad)).deployment.resources as Array<{ type: string }>;
            expect(resources.filter((r) => r.type.startsWith("docker:index") || r.type.endsWith("BuiltImage"))).toEqual([]);
        } finally {
            await bad?.workspace.removeStack(unreachable, { force: true }).catch(() => undefined);
        }
    });
});
