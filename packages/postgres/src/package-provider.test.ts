import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { PROVIDER_KIND, packageProvider } from "./package-provider";

// The one provider of a package, against a package on disk whose kinds record what they are called
// with: each call reaches the kind the properties name, without the kind; what it returns keeps it.

describe("packageProvider", () => {
    let dir: string;
    let provider: ReturnType<typeof packageProvider>;
    const calls = () => JSON.parse(fs.readFileSync(path.join(dir, "calls.json"), "utf8"));
    const withKind = (kind: string, props: object) => ({ ...props, [PROVIDER_KIND]: kind });

    beforeAll(() => {
        dir = fs.mkdtempSync(path.join(os.tmpdir(), "pgscale-package-provider-"));
        fs.writeFileSync(path.join(dir, "index.js"), `
            const fs = require("fs");
            const log = (...args) => {
                const f = __dirname + "/calls.json";
                const all = fs.existsSync(f) ? JSON.parse(fs.readFileSync(f, "utf8")) : [];
                fs.writeFileSync(f, JSON.stringify([...all, args]));
            };
            exports.pgscaleProviders = {
                Full: {
                    async check(olds, news) { log("check", olds, news); return { inputs: { ...news, checked: true }, failures: [] }; },
                    async diff(id, olds, news) { log("diff", id, olds, news); return { changes: olds.a !== news.a }; },
                    async create(inputs) { log("create", inputs); return { id: "full-1", outs: { ...inputs, made: 1 } }; },
                    async read(id, props) { log("read", id, props); return { id, props: { ...props, seen: 1 }, inputs: { a: props.a } }; },
                    async update(id, olds, news) { log("update", id, olds, news); return { outs: { ...news, updated: 1 } }; },
                    async delete(id, props) { log("delete", id, props); },
                },
                Bare: { async create(inputs) { log("bare create", inputs); return { id: "bare-1" }; } },
            };
        `);
        provider = packageProvider({ name: "fake-package", entry: path.join(dir, "index.js"), dependents: [] });
    });
    afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
    beforeEach(() => fs.rmSync(path.join(dir, "calls.json"), { force: true }));

    it("calls the kind the properties name, as it was always called, and keeps the kind in what it returns", async () => {
        const news = withKind("Full", { a: 2 });
        const olds = withKind("Full", { a: 1 });
        expect(await provider.check!(olds, news)).toEqual({ inputs: withKind("Full", { a: 2, checked: true }), failures: [] });
        expect(await provider.diff!("full-1", olds, news)).toEqual({ changes: true });
        expect(await provider.create(news)).toEqual({ id: "full-1", outs: withKind("Full", { a: 2, made: 1 }) });
        expect(await provider.read!("full-1", olds)).toEqual({ id: "full-1", props: withKind("Full", { a: 1, seen: 1 }), inputs: withKind("Full", { a: 1 }) });
        expect(await provider.update!("full-1", olds, news)).toEqual({ outs: withKind("Full", { a: 2, updated: 1 }) });
        await provider.delete!("full-1", olds);
        expect(calls()).toEqual([
            ["check", { a: 1 }, { a: 2 }],
            ["diff", "full-1", { a: 1 }, { a: 2 }],
            ["create", { a: 2 }],
            ["read", "full-1", { a: 1 }],
            ["update", "full-1", { a: 1 }, { a: 2 }],
            ["delete", "full-1", { a: 1 }],
        ]);
    });

    it("diffs and updates a state written before the kind was kept: the kind comes from the new inputs", async () => {
        expect(await provider.diff!("full-1", { a: 2 }, withKind("Full", { a: 2 }))).toEqual({ changes: false });
        expect(await provider.update!("full-1", { a: 1 }, withKind("Full", { a: 2 }))).toEqual({ outs: withKind("Full", { a: 2, updated: 1 }) });
    });

    it("does what Pulumi's dynamic-provider host does for a method the kind leaves out", async () => {
        const props = withKind("Bare", { b: 1 });
        expect(await provider.check!({}, props)).toEqual({ inputs: props });
        expect(await provider.diff!("bare-1", props, props)).toEqual({});
        expect(await provider.create(props)).toEqual({ id: "bare-1", outs: withKind("Bare", {}) });
        expect(await provider.read!("bare-1", props)).toEqual({ id: "bare-1", props });
        expect(await provider.update!("bare-1", props, props)).toEqual({ outs: withKind("Bare", {}) });
        await expect(provider.delete!("bare-1", props)).resolves.toBeUndefined();
        expect(calls()).toEqual([["bare create", { b: 1 }]]);
    });

    it("names the package and the kind it does not have", async () => {
        await expect(provider.create(withKind("Gone", {}))).rejects.toThrow('fake-package has no dynamic provider "Gone"');
        await expect(provider.delete!("x", {})).rejects.toThrow("fake-package has no dynamic provider undefined");
    });
});
