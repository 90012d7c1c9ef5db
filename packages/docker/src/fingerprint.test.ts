import * as pulumi from "@pulumi/pulumi";
import { CONTAINER, SPECS } from "@pgscale-tooling/pulumi-docker-standin";
import { CONTAINER_INPUT_CHANGE, replacementFingerprint } from "./fingerprint";

// The rolling gates run when a member's fingerprint changes; the docker provider replaces a
// container when a ForceNew input changes. These must agree, or a gate switches over the primary
// and nothing is replaced (or the primary is replaced without a switchover).

const unwrap = <T>(o: pulumi.Output<T>): Promise<T> => new Promise((resolve) => o.apply(resolve));
const member = {
    name: "p-s-main-0", image: "sha256:a", hostname: "main-0", user: "postgres",
    uploads: [{ file: "/etc/patroni/patroni.yml", content: "x", permissions: "0644" }],
    ports: [{ internal: 5432, ip: "127.0.0.1" }], dnsOpts: ["timeout:1"], restart: "unless-stopped",
    stopSignal: "SIGTERM", stopTimeout: 30, destroyGraceSeconds: 30,
    healthcheck: { tests: ["CMD", "true"], interval: "2s", timeout: "2s", retries: 60, startPeriod: "2s" },
};

describe("replacementFingerprint", () => {
    it("agrees with the docker provider (stand-in, held to the genuine schema) on every input", () => {
        const fields = SPECS[CONTAINER].fields;
        for (const [input, change] of Object.entries(CONTAINER_INPUT_CHANGE)) {
            expect([input, fields[input]?.change ?? "replace"]).toEqual([input, change]);
        }
    });

    it("ignores a healthcheck edit, which the provider records without replacing", async () => {
        const before = await unwrap(replacementFingerprint(member));
        const after = await unwrap(replacementFingerprint({ ...member, healthcheck: { ...member.healthcheck, interval: "5s", retries: 30 } }));
        expect(after).toBe(before);
        expect(await unwrap(replacementFingerprint({ ...member, restart: "always", destroyGraceSeconds: 10 }))).toBe(before);
    });

    it("changes with every input that replaces the container", async () => {
        const before = await unwrap(replacementFingerprint(member));
        for (const change of [{ image: "sha256:b" }, { uploads: [{ file: "/etc/patroni/patroni.yml", content: "y" }] }, { stopTimeout: 10 }, { shmSize: 256 }]) {
            expect(await unwrap(replacementFingerprint({ ...member, ...change }))).not.toBe(before);
        }
    });

    it("refuses an input it cannot classify, naming it", () => {
        expect(() => replacementFingerprint({ ...member, gpus: "all" })).toThrow(/gpus not classified/);
    });
});
