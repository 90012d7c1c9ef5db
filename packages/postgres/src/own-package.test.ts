import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { execFileSync } from "child_process";
import * as pulumi from "@pulumi/pulumi";
import { PackageLocation, packageRequire } from "./own-package";

// A loader is serialized as Pulumi serializes a provider and evaluated as its dynamic-provider host
// does (require-from-string, resolving from the working directory), in a separate Node.js process
// whose working directory is an application laid out as pnpm lays it out: only direct
// dependencies in node_modules, each package's own dependencies beside it in a store.

const root = fs.mkdtempSync(path.join(os.tmpdir(), "pgscale-own-package-"));
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

/** A package whose index reports which copy was loaded and which `pg` it resolves. */
function fakePackage(dir: string, name: string, who: string, requires?: string): void {
    fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(path.join(dir, "package.json"), JSON.stringify({ name, main: "index.js", exports: { ".": "./index.js", "./package.json": "./package.json" } }));
    fs.writeFileSync(path.join(dir, "index.js"), `module.exports = { who: ${JSON.stringify(who)}${requires ? `, dep: require(${JSON.stringify(requires)}).who` : ""} };`);
}
function link(target: string, at: string): void {
    fs.mkdirSync(path.dirname(at), { recursive: true });
    fs.symlinkSync(target, at);
}

// Store: @pgscale/postgres with its pg; @pgscale/docker depending on it. The app has only docker.
const store = path.join(root, "app/node_modules/.pnpm");
const storePostgres = path.join(store, "postgres/node_modules/@pgscale/postgres");
fakePackage(storePostgres, "@pgscale/postgres", "store postgres", "pg");
fakePackage(path.join(store, "postgres/node_modules/pg"), "pg", "store pg");
fakePackage(path.join(store, "docker/node_modules/@pgscale/docker"), "@pgscale/docker", "store docker");
link(storePostgres, path.join(store, "docker/node_modules/@pgscale/postgres"));
link(path.join(store, "docker/node_modules/@pgscale/docker"), path.join(root, "app/node_modules/@pgscale/docker"));
// The installation that wrote the state, elsewhere, with its own pg.
const recorded = path.join(root, "other/node_modules/@pgscale/postgres");
fakePackage(recorded, "@pgscale/postgres", "recorded postgres", "pg");
fakePackage(path.join(root, "other/node_modules/pg"), "pg", "recorded pg");
fs.mkdirSync(path.join(root, "empty"));
// A source checkout: TypeScript entry, built main.
const checkout = path.join(root, "checkout");
fakePackage(checkout, "@pgscale/postgres", "unused");
fs.writeFileSync(path.join(checkout, "package.json"), JSON.stringify({ name: "@pgscale/postgres", main: "dist/index.js" }));
fs.mkdirSync(path.join(checkout, "src"));
fs.writeFileSync(path.join(checkout, "src", "index.ts"), "export const who: string = \"source\";\n");
fs.mkdirSync(path.join(checkout, "dist"));
fs.writeFileSync(path.join(checkout, "dist", "index.js"), "module.exports = { who: \"build\" };\n");

const requireFromString = require.resolve("require-from-string", { paths: [path.dirname(require.resolve("@pulumi/pulumi/package.json"))] });

async function runInHost(pkg: PackageLocation, request: string | undefined, cwd: string): Promise<string> {
    const load = packageRequire(pkg);
    const { text } = await pulumi.runtime.serializeFunction(() => load(request), { allowSecrets: false });
    const script = `const m = require(${JSON.stringify(requireFromString)})(${JSON.stringify(text)}).handler();
process.stdout.write(JSON.stringify(m));`;
    try {
        return execFileSync(process.execPath, ["-e", script], { cwd, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
    } catch (e) {
        throw new Error(String((e as { stderr?: string }).stderr ?? e));
    }
}

const location = (entry: string): PackageLocation => ({ name: "@pgscale/postgres", entry, dependents: ["@pgscale/docker"] });

describe("packageRequire in the dynamic-provider host", () => {
    it("loads the package and its dependencies from the recorded entry first", async () => {
        const out = JSON.parse(await runInHost(location(path.join(recorded, "index.js")), undefined, path.join(root, "app")));
        expect(out).toEqual({ who: "recorded postgres", dep: "recorded pg" });
        expect(JSON.parse(await runInHost(location(path.join(recorded, "index.js")), "pg", path.join(root, "app")))).toEqual({ who: "recorded pg" });
    });

    it("finds a moved package through a dependent the application installed (strict layout)", async () => {
        const gone = location(path.join(root, "gone/node_modules/@pgscale/postgres/index.js"));
        expect(JSON.parse(await runInHost(gone, undefined, path.join(root, "app")))).toEqual({ who: "store postgres", dep: "store pg" });
        expect(JSON.parse(await runInHost(gone, "pg", path.join(root, "app")))).toEqual({ who: "store pg" });
    });

    it("loads the build of a source checkout whose recorded entry is TypeScript (ts-jest)", async () => {
        expect(JSON.parse(await runInHost(location(path.join(checkout, "src", "index.ts")), undefined, path.join(root, "empty")))).toEqual({ who: "build" });
    });

    it("names what it tried when nothing is installed", async () => {
        const gone = location(path.join(root, "gone/index.js"));
        await expect(runInHost(gone, undefined, path.join(root, "empty"))).rejects.toThrow(
            /cannot load @pgscale\/postgres for a dynamic provider \(tried .*gone\/index\.js; @pgscale\/postgres from .*empty; @pgscale\/postgres through @pgscale\/docker\)/);
    });
});
