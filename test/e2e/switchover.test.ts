// `pgscale status` and `pgscale switchover` against a live HA cluster: the REST API's view of
// the members, and planned switchovers measured from the application's side (writes through
// HAProxy). One stack for the file.
import { Stack } from "@pulumi/pulumi/automation";
import { destroyAndRemove, fixtureStack, plainOutputs, uniqueStackName } from "../support/stack";
import { eventually, query } from "../support/pg";
import { clusterMembers, leaderName, patroniCliArgs } from "../support/patroni";
import { pgscaleCli } from "../support/cli";

jest.setTimeout(15 * 60 * 1000);

interface Outputs {
    primaryUri: string;
    restApiPassword: string;
    members: Array<{ name: string; container: string; restUrl: string; pgPort: number }>;
}

interface SwitchoverResult {
    from: string;
    to: string;
    requested: string | null;
    outageMs: number;
    probes: { ok: number; failed: number; intervalMs: number };
    errors: string[];
    patroni: { message: string; ms: number };
    writableAfterMs: number;
}

/** Environment variable the REST password is handed over in, as an operator would. */
const PASSWORD_ENV = "PGSCALE_E2E_PATRONI_PASSWORD";

describe("pgscale status and switchover on a live cluster", () => {
    const name = uniqueStackName("switchover");
    let stack: Stack | undefined;
    let out: Outputs;
    const patroniUrls = () => patroniCliArgs(out.members.map((m) => m.restUrl));
    const restUrls = () => out.members.map((m) => m.restUrl);

    /** Every member running with no lag: Patroni refuses a switchover to a member that is not. */
    const settled = () => eventually(async () => {
        const members = await clusterMembers(out.members[0].restUrl);
        return members.length === 3 && members.every((m) => m.state === "running" || m.state === "streaming") &&
            members.filter((m) => m.role !== "leader").every((m) => m.lag === 0);
    }, 90000, "all members running with no lag", 500);

    beforeAll(async () => {
        stack = await fixtureStack("ops", name);
        const res = await stack.up({ onOutput: () => undefined });
        expect(res.summary.result).toBe("succeeded");
        out = plainOutputs(res.outputs) as Outputs;
        process.env[PASSWORD_ENV] = out.restApiPassword;
        await settled();
        await query(out.primaryUri, "CREATE TABLE marks (id int PRIMARY KEY, leader text)");
    });
    afterAll(async () => {
        delete process.env[PASSWORD_ENV];
        await destroyAndRemove(stack);
    });

    it("status: 3 members, one leader, as JSON and as a table", async () => {
        const json = await pgscaleCli("status", ...patroniUrls(), "--json");
        expect(json.code).toBe(0);
        const status = JSON.parse(json.stdout) as { leader: string; members: Array<{ name: string; role: string; state: string; timeline: number }>; unreachable: unknown[] };
        expect(status.members.map((m) => m.name).sort()).toEqual(out.members.map((m) => m.name).sort());
        expect(status.members.filter((m) => m.role === "leader").map((m) => m.name)).toEqual([status.leader]);
        expect(status.leader).toBe(await leaderName(restUrls()));
        expect(status.members.every((m) => m.state === "running" || m.state === "streaming")).toBe(true);
        expect(status.unreachable).toEqual([]);

        const table = await pgscaleCli("status", ...patroniUrls());
        expect(table.code).toBe(0);
        const lines = table.stdout.split("\n");
        expect(lines[0]).toMatch(/^Member +Host +Role +State +TL +Lag$/);
        expect(lines.slice(2)).toHaveLength(3);
        expect(lines.filter((l) => / leader +running /.test(l))).toHaveLength(1);
    });

    it("switchover: the leader moves, writes resume through HAProxy, the outage is measured", async () => {
        const before = (await leaderName(restUrls()))!;
        const r = await pgscaleCli("switchover", ...patroniUrls(), "--primary-uri", out.primaryUri, "--password-env", PASSWORD_ENV, "--json");
        expect(r.stderr).toBe("");
        expect(r.code).toBe(0);
        const result = JSON.parse(r.stdout) as SwitchoverResult;
        console.log(`switchover ${result.from} -> ${result.to}: write outage ${result.outageMs} ms, ${result.probes.failed} failed of ${result.probes.ok + result.probes.failed} probes, Patroni ${result.patroni.ms} ms`);
        expect(result.from).toBe(before);
        expect(result.to).not.toBe(before);
        expect(result.requested).toBeNull();
        expect(await leaderName(restUrls())).toBe(result.to);
        // Demoting a primary stops its writes for a moment; a planned switchover stays well under ttl.
        expect(result.outageMs).toBeGreaterThan(result.probes.intervalMs);
        expect(result.outageMs).toBeLessThan(20000);
        expect(result.writableAfterMs).toBeGreaterThanOrEqual(result.patroni.ms);
        expect(result.patroni.message).toBe(`Successfully switched over to "${result.to}"`);
        // A write through the primary URI lands on the new leader.
        await query(out.primaryUri, "INSERT INTO marks VALUES (1, $1)", [result.to]);
    });

    it("switchover --to NODE: back to the first leader, human output", async () => {
        await settled();
        const current = (await leaderName(restUrls()))!;
        const target = out.members.map((m) => m.name).find((n) => n !== current)!;
        const r = await pgscaleCli("switchover", ...patroniUrls(), "--primary-uri", out.primaryUri, "--password-env", PASSWORD_ENV, "--to", target);
        expect(r.stderr).toBe("");
        expect(r.code).toBe(0);
        expect(r.stdout).toMatch(new RegExp(`^pgscale switchover: ${current} -> ${target} done\\n {2}write outage {5}\\d+ ms`));
        expect(await leaderName(restUrls())).toBe(target);
        await query(out.primaryUri, "INSERT INTO marks VALUES (2, $1)", [target]);
        expect(await query(out.primaryUri, "SELECT count(*)::int AS n FROM marks")).toEqual([{ n: 2 }]);
    });

    it("refusals: a wrong REST password is exit 1 and says so; an unknown --to is a usage error; the leader stays", async () => {
        await settled();
        const leader = await leaderName(restUrls());
        process.env.PGSCALE_E2E_WRONG_PASSWORD = "not-the-password";
        try {
            const denied = await pgscaleCli("switchover", ...patroniUrls(), "--primary-uri", out.primaryUri, "--password-env", "PGSCALE_E2E_WRONG_PASSWORD");
            expect(denied.code).toBe(1);
            expect(denied.stderr).toMatch(/^pgscale switchover: Patroni answered 401: .*--password-env/);
        } finally {
            delete process.env.PGSCALE_E2E_WRONG_PASSWORD;
        }
        const unknown = await pgscaleCli("switchover", ...patroniUrls(), "--primary-uri", out.primaryUri, "--password-env", PASSWORD_ENV, "--to", "pg-9", "--json");
        expect(unknown.code).toBe(2);
        expect(JSON.parse(unknown.stdout).errors).toEqual([{ option: "--to", message: expect.stringMatching(/^pg-9 is not a member \(members: pg-\d, pg-\d, pg-\d\)$/) }]);
        const self = await pgscaleCli("switchover", ...patroniUrls(), "--primary-uri", out.primaryUri, "--to", leader!, "--json");
        expect(JSON.parse(self.stdout).errors[0].message).toBe(`${leader} is already the leader`);
        expect(await leaderName(restUrls())).toBe(leader);
    });
});
