import { planStart } from "./options";
import { DEFAULT_REUSE_TTL, PruneCandidate, pruneDecision, reuseKey, reuseSpec, reuseTtlIssues, reuseVerdict } from "./reuse-policy";

const env = { NODE_ENV: "test" } as NodeJS.ProcessEnv;
const key = (opts: Parameters<typeof planStart>[1], kind: "cluster" | "postgres" = "cluster", version = "0.1.0", uid = 1000) =>
    reuseKey(reuseSpec(planStart(kind, { silent: true, ...opts }, env), version, uid));

describe("reuseKey", () => {
    it("is stable, short and the same for options that change nothing in the containers", () => {
        const k = key({ reuse: true });
        expect(k).toMatch(/^[0-9a-f]{16}$/);
        expect(key({ reuse: true })).toBe(k);
        // Name prefix, passphrase (random per start), logging, prune and TTL are not the cluster's spec.
        expect(key({ reuse: true, name: "other", passphrase: "something-long", prune: false, reuseTtl: 60 })).toBe(k);
        // Explicit defaults resolve to the same spec.
        expect(key({ reuse: true, nodes: 3, etcdMembers: 1, pooler: false, profile: "durable", database: "app" })).toBe(k);
        // Key order of the parameters does not matter.
        expect(key({ parameters: { work_mem: "8MB", jit: "off" } })).toBe(key({ parameters: { jit: "off", work_mem: "8MB" } }));
    });

    it("changes with the spec, the kind, the package version and the user", () => {
        const k = key({});
        const others = [
            key({ nodes: 2 }), key({ pooler: true }), key({ synchronousMode: true }), key({ etcdMembers: 3 }),
            key({ profile: "fast" }), key({ parameters: { work_mem: "8MB" } }), key({ database: "other" }), key({ owner: "other" }),
            key({ images: { patroni: "registry.example/patroni:1" } }),
            key({}, "postgres"), key({}, "cluster", "0.2.0"), key({}, "cluster", "0.1.0", 1001),
        ];
        expect(new Set([k, ...others]).size).toBe(others.length + 1);
    });
});

describe("reuseVerdict", () => {
    const now = 10_000_000;
    it("counts idle time from the last use against the TTL, and a live lease keeps a cluster however old", () => {
        expect(reuseVerdict({ lastUsed: now - 59_000, ttl: 60, liveLeases: 0 }, now)).toBe("idle");
        expect(reuseVerdict({ lastUsed: now - 60_000, ttl: 60, liveLeases: 0 }, now)).toBe("idle");
        expect(reuseVerdict({ lastUsed: now - 60_001, ttl: 60, liveLeases: 0 }, now)).toBe("expired");
        expect(reuseVerdict({ lastUsed: 0, ttl: 60, liveLeases: 1 }, now)).toBe("in-use");
        expect(DEFAULT_REUSE_TTL).toBe(3600);
    });
});

describe("pruneDecision", () => {
    const now = 10_000_000;
    const kept = (over: Partial<PruneCandidate> = {}): PruneCandidate => ({
        owner: "dead", reuse: true, underRoot: true, record: "ok", state: { lastUsed: now - 1000, ttl: 60, liveLeases: 0 }, ...over,
    });
    const reap = (c: PruneCandidate, mode?: "expired" | "idle") => pruneDecision(c, now, mode).reap;

    it("reaps an ordinary cluster only when its owner is dead", () => {
        expect(reap({ owner: "dead", reuse: false, underRoot: false, record: "unreadable" })).toBe(true);
        expect(reap({ owner: "alive", reuse: false, underRoot: true, record: "unreadable" })).toBe(false);
        expect(reap({ owner: "foreign", reuse: false, underRoot: true, record: "unreadable" })).toBe(false);
    });

    it("keeps a kept cluster whose owner is gone until it is idle past its TTL", () => {
        expect(pruneDecision(kept(), now)).toEqual({ reap: false, why: "kept cluster idle" });
        expect(pruneDecision(kept({ state: { lastUsed: now - 61_000, ttl: 60, liveLeases: 0 } }), now)).toEqual({ reap: true, why: "idle for longer than its TTL (60 s)" });
    });

    it("never reaps a kept cluster a live process holds, in either mode", () => {
        const held = kept({ state: { lastUsed: 0, ttl: 1, liveLeases: 1 } });
        expect(reap(held)).toBe(false);
        expect(reap(held, "idle")).toBe(false);
    });

    it("mode idle reaps every kept cluster nobody holds", () => {
        expect(reap(kept(), "idle")).toBe(true);
    });

    it("judges a kept cluster only from its own state root, its own host, with its record readable", () => {
        const expired = { state: { lastUsed: 0, ttl: 1, liveLeases: 0 } };
        expect(reap(kept({ ...expired, underRoot: false }))).toBe(false);
        expect(reap(kept({ ...expired, owner: "foreign" }))).toBe(false);
        expect(reap(kept({ record: "unreadable", state: undefined }))).toBe(false);
    });

    it("treats a kept cluster whose start died before it was ready as a crashed run", () => {
        expect(reap(kept({ record: "missing", state: undefined }))).toBe(true);
        expect(reap(kept({ record: "missing", state: undefined, owner: "alive" }))).toBe(false);
    });
});

describe("reuse options", () => {
    it("validates reuse and reuseTtl, naming the field", () => {
        expect(reuseTtlIssues(undefined, true)).toEqual([]);
        expect(reuseTtlIssues(60, true)).toEqual([]);
        expect(reuseTtlIssues(0, true)).toEqual([{ field: "reuseTtl", message: "must be a number of seconds > 0, not 0" }]);
        expect(reuseTtlIssues(-5, true)[0].field).toBe("reuseTtl");
        expect(reuseTtlIssues("60", true)[0].message).toBe('must be a number of seconds > 0, not "60"');
        expect(reuseTtlIssues(Infinity, true)[0].field).toBe("reuseTtl");
        expect(reuseTtlIssues(60, undefined)).toEqual([{ field: "reuseTtl", message: "only applies with reuse: true" }]);
    });
});
