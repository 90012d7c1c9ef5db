import { wire } from "@pgscale-tooling/pulumi-docker-standin";
import { AUTONAMED, autoname, diffInputs, sameValue } from "./inputs";
import { kindForToken } from "./kinds";

const secret = kindForToken("kubernetes:core/v1:Secret");
const sts = kindForToken("kubernetes:apps/v1:StatefulSet");
const deploy = kindForToken("kubernetes:apps/v1:Deployment");

describe("autoname", () => {
    it("names an unnamed object <resource>-<8 hex> and marks it autonamed", () => {
        const out = autoname("pool-config", {}, { metadata: { namespace: "db" } });
        const meta = out.metadata as { name: string; namespace: string; annotations: Record<string, string> };
        expect(meta.name).toMatch(/^pool-config-[0-9a-f]{8}$/);
        expect(meta.namespace).toBe("db");
        expect(meta.annotations[AUTONAMED]).toBe("true");
    });
    it("keeps the name it gave before", () => {
        const olds = { metadata: { name: "pool-config-0badcafe", annotations: { [AUTONAMED]: "true" } } };
        expect((autoname("pool-config", olds, { metadata: {} }).metadata as { name: string }).name).toBe("pool-config-0badcafe");
    });
    it("leaves an explicit name alone", () => {
        const news = { metadata: { name: "main-patroni" } };
        expect(autoname("x", {}, news)).toBe(news);
    });
});

describe("diffInputs", () => {
    const base = { apiVersion: "apps/v1", kind: "StatefulSet", metadata: { name: "main", namespace: "db" }, spec: { replicas: 3, serviceName: "main-members", selector: { matchLabels: { a: "b" } } } };
    it("sees no change when only secretness or key order differs", () => {
        const a = { data: wire.makeSecret({ k: "v" }), metadata: { name: "s" } };
        const b = { metadata: { name: "s" }, data: { k: "v" } };
        expect(diffInputs(secret, a, b)).toEqual({ changes: false, replaces: [], deleteBeforeReplace: false });
    });
    it("updates in place a mutable field", () => {
        const d = diffInputs(sts, base, { ...base, spec: { ...base.spec, replicas: 4 } });
        expect(d).toEqual({ changes: true, replaces: [], deleteBeforeReplace: false });
    });
    it("replaces on an immutable field, deleting a fixed-name object first", () => {
        const d = diffInputs(sts, base, { ...base, spec: { ...base.spec, serviceName: "other" } });
        expect(d.replaces).toEqual(["spec.serviceName"]);
        expect(d.deleteBeforeReplace).toBe(true);
    });
    it("replaces an autonamed object without deleting it first", () => {
        const meta = { name: "pool-1234abcd", namespace: "db", annotations: { [AUTONAMED]: "true" } };
        const d = diffInputs(deploy, { metadata: meta, spec: { selector: { matchLabels: { a: "1" } } } }, { metadata: meta, spec: { selector: { matchLabels: { a: "2" } } } });
        expect(d).toEqual({ changes: true, replaces: ["spec.selector"], deleteBeforeReplace: false });
    });
    it("treats Secret data as replace-only, as the real provider does by default", () => {
        const d = diffInputs(secret, { metadata: { name: "s" }, stringData: { a: "1" } }, { metadata: { name: "s" }, stringData: { a: "2" } });
        expect(d.replaces).toEqual(["stringData"]);
    });
    it("updates a custom resource in place whatever its spec says, and replaces it on a new name", () => {
        const podMonitor = kindForToken("kubernetes:monitoring.coreos.com/v1:PodMonitor");
        const pm = { apiVersion: "monitoring.coreos.com/v1", kind: "PodMonitor", metadata: { name: "main", namespace: "db" }, spec: { selector: { matchLabels: { a: "1" } } } };
        expect(diffInputs(podMonitor, pm, { ...pm, spec: { selector: { matchLabels: { a: "2" } } } })).toEqual({ changes: true, replaces: [], deleteBeforeReplace: false });
        expect(diffInputs(podMonitor, pm, { ...pm, metadata: { name: "other", namespace: "db" } }).replaces).toEqual(["metadata.name"]);
    });
    it("counts an unknown value as a change", () => {
        expect(sameValue(wire.UNKNOWN, "x")).toBe(false);
        expect(diffInputs(sts, base, { ...base, metadata: { name: wire.UNKNOWN, namespace: "db" } }).replaces).toContain("metadata.name");
    });
});
