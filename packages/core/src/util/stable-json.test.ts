import { createHash } from "crypto";
import { stableJson } from "./stable-json";

describe("stableJson", () => {
    it("does not depend on key order, at any depth", () => {
        expect(stableJson({ a: 1, b: [{ y: 2, x: 1 }] })).toBe(stableJson({ b: [{ x: 1, y: 2 }], a: 1 }));
        expect(stableJson({ b: { d: 1, c: 2 }, a: 1 })).toBe('{"a":1,"b":{"c":2,"d":1}}');
    });

    it("leaves undefined members out", () => {
        expect(stableJson({ a: 1, b: undefined })).toBe(stableJson({ a: 1 }));
    });

    it("keeps array order", () => {
        expect(stableJson([1, 2])).not.toBe(stableJson([2, 1]));
    });

    it("gives the text the container fingerprints in existing stacks were digested from", () => {
        const args = { name: "db-1", envs: ["A=1"], healthcheck: { tests: ["CMD"], interval: "5s" }, labels: [{ label: "x", value: "y" }] };
        expect(stableJson(args)).toBe('{"envs":["A=1"],"healthcheck":{"interval":"5s","tests":["CMD"]},"labels":[{"label":"x","value":"y"}],"name":"db-1"}');
        expect(createHash("sha256").update(stableJson(args)).digest("hex").slice(0, 16)).toBe("d635c2bfdf5e0a69");
    });
});
