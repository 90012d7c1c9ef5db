// pgscale as an application repository gets it: every package packed with `npm pack`, installed
// from the tarballs into a new project outside this repository (with npm, and with pnpm's strict
// layout), with @pulumi/* SDKs other than this repository's (one end of each peer range per case),
// then `pulumi up` with the CLI, a write through the pooler, and `pulumi destroy` from another
// checkout of the application, leaving nothing. The Kubernetes constructs are type-checked and
// their resource graph built under Pulumi mocks at each end of @pulumi/kubernetes's range.
import * as crypto from "crypto";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { execFile } from "child_process";
import { DEFAULT_IMAGES } from "@pgscale/docker";
import { dockerObjectsOfStack, uniqueStackName } from "../support/stack";
import { query } from "../support/pg";

// Removes one of pgscale's default images (PgBouncer's) from the engine before `pulumi up`, to show
// the stack builds a missing image itself (BuiltImage; every image takes that same path, and
// rebuilding all four would double this file's time). Other suites that run later find it again;
// never run this file beside another suite (npm test runs e2e files one at a time).
const removeImages = true;

// Measured 74 to 130 s for the whole file on a 2-core machine loaded by other suites, with warm npm
// and pnpm caches (the two cases side by side; one after the other it took 4 min there).
jest.setTimeout(20 * 60 * 1000);

const REPO = path.resolve(__dirname, "../..");
const PACKAGES = ["core", "postgres", "docker", "kubernetes", "cli", "testing"];
const PNPM_VERSION = "10.34.9";
/** pnpm's content store: kept between runs in pgscale's cache (PGSCALE_CACHE, set by scripts/env.sh), else this run's own. */
const pnpmStore = (work: string) => path.join(process.env.PGSCALE_CACHE ?? work, "pnpm-store");
const TYPESCRIPT_VERSION = "5.9.3";
const TYPES_NODE_VERSION = "20.19.9";

interface Case {
    manager: "npm" | "pnpm";
    /** Ends of the peer ranges in the packages' package.json; @pulumi/pulumi is never this repository's. */
    pulumi: string;
    docker: string;
    kubernetes: string;
}
const CASES: Case[] = [
    { manager: "npm", pulumi: "3.142.0", docker: "4.5.8", kubernetes: "4.21.1" },
    { manager: "pnpm", pulumi: "3.276.0", docker: "4.11.2", kubernetes: "4.34.2" },
];

/** Runs a command; rejects with its output, so a failed install or `pulumi up` explains itself. */
function run(cmd: string, args: string[], o: { cwd: string; env?: NodeJS.ProcessEnv; timeoutMs?: number }): Promise<string> {
    return new Promise((resolve, reject) => {
        execFile(cmd, args, { cwd: o.cwd, env: o.env ?? process.env, timeout: o.timeoutMs ?? 10 * 60 * 1000, maxBuffer: 64 * 1024 * 1024, encoding: "utf8" },
            (err, stdout, stderr) => {
                if (err) reject(new Error(`${cmd} ${args.join(" ")} (in ${o.cwd}) failed: ${err.message}\n${stdout.slice(-6000)}\n${stderr.slice(-6000)}`));
                else resolve(stdout);
            });
    });
}

/**
 * Removes the image an application's stack must then build again. --no-prune keeps the layers: the
 * build that follows runs (BuiltImage finds no image of that name) and takes its steps from the
 * engine's cache, as on a developer's engine, instead of downloading the packages again.
 */
async function removeImage(image: string, cwd: string): Promise<void> {
    await run("docker", ["image", "rm", "--force", "--no-prune", image], { cwd }).catch(() => undefined);
    const left = await run("docker", ["images", "--quiet", `--filter=reference=${image}`], { cwd });
    expect(left.trim()).toBe("");
}

/** Every installed copy of `name` under `dir`/node_modules, as real directories (pnpm's store included). */
function installedCopies(dir: string, name: string): Array<{ dir: string; version: string }> {
    const found = new Map<string, string>();
    const walk = (nodeModules: string): void => {
        let entries: fs.Dirent[];
        try {
            entries = fs.readdirSync(nodeModules, { withFileTypes: true });
        } catch {
            return;
        }
        for (const e of entries) {
            // Symlinks (pnpm's links, npm's workspaces) point at real directories found elsewhere in the walk.
            if (!e.isDirectory()) continue;
            const at = path.join(nodeModules, e.name);
            if (e.name === ".pnpm") {
                for (const id of fs.readdirSync(at, { withFileTypes: true })) if (id.isDirectory()) walk(path.join(at, id.name, "node_modules"));
                continue;
            }
            const pkgs = e.name.startsWith("@") ? fs.readdirSync(at, { withFileTypes: true }).filter((s) => s.isDirectory()).map((s) => path.join(at, s.name)) : [at];
            for (const p of pkgs) {
                const manifest = path.join(p, "package.json");
                if (fs.existsSync(manifest)) {
                    const m = JSON.parse(fs.readFileSync(manifest, "utf8"));
                    if (m.name === name) found.set(fs.realpathSync(p), m.version);
                }
                walk(path.join(p, "node_modules"));
            }
        }
    };
    walk(path.join(dir, "node_modules"));
    return [...found].map(([d, version]) => ({ dir: d, version }));
}

const PROGRAM = `import { EtcdCluster, HAProxyFrontend, PatroniCluster, PgBouncerPool } from "@pgscale/docker";
import { PartitionedTable } from "@pgscale/postgres";

const dcs = new EtcdCluster("dcs", { members: 1 });
const pg = new PatroniCluster("main", {
    dcs,
    nodes: 2,
    patroni: { ttl: 20, loopWait: 1, retryTimeout: 3 },
    database: "appdb",
    owner: "app",
});
const lb = new HAProxyFrontend("lb", { cluster: pg });
const pool = new PgBouncerPool("pool", { backend: lb, poolMode: "transaction" });

new PartitionedTable("events", {
    connection: lb.primaryUri,
    name: "events",
    columns: [
        { name: "id", type: "bigint", identity: "always" },
        { name: "note", type: "text", notNull: true },
        { name: "created_at", type: "timestamptz", notNull: true, default: "now()" },
    ],
    primaryKey: ["id", "created_at"],
    partitionBy: { strategy: "range", columns: ["created_at"] },
    partitions: [{ name: "events_2024", from: "2024-01-01", to: "2025-01-01" }],
    defaultPartition: true,
}, { dependsOn: [pg] });

export const primaryUri = lb.primaryUri;
export const poolerUri = pool.uri;
`;

// The other packages' public APIs, compiled with the program (never run).
const TYPES = `import * as k8s from "@pgscale/kubernetes";
import { startCluster } from "@pgscale/testing";
import { run } from "@pgscale/cli";

export const apis = [k8s.PatroniCluster, k8s.PgBouncerPool, startCluster, run];
`;

// The Kubernetes constructs' resource graph under Pulumi mocks, with the installed SDKs.
const KUBERNETES_GRAPH = `const pulumi = require("@pulumi/pulumi");
const registered = [];
pulumi.runtime.setMocks({
    newResource(args) {
        registered.push(args.type);
        const state = { ...args.inputs };
        if (state.metadata && state.metadata.name === undefined) state.metadata = { ...state.metadata, name: args.name + "-a1b2c3" };
        if (args.type.includes("GeneratedSecret")) Object.assign(state, { value: "pw-" + args.name, scramVerifier: "SCRAM-SHA-256$4096:c2FsdA==$AA==:AA==" });
        return { id: args.name + "-id", state };
    },
    call: (args) => args.inputs,
}, "app", "mocks");
const { PatroniCluster, PgBouncerPool } = require("@pgscale/kubernetes");
const pg = new PatroniCluster("main", { nodes: 2, database: "appdb", owner: "app", namespace: "db" });
new PgBouncerPool("pool", { backend: pg });
pg.primaryUri.apply(async () => {
    for (let last = -1; last !== registered.length; ) { last = registered.length; await new Promise((r) => setTimeout(r, 200)); }
    process.stdout.write(JSON.stringify([...new Set(registered)].sort()));
});
`;

describe("an application repository installs the packed packages and runs pulumi up", () => {
    const work = fs.mkdtempSync(path.join(os.tmpdir(), "pgscale-app-repo-"));
    const tarballs = path.join(work, "tarballs");
    const packed: Record<string, string> = {};
    const contents: Record<string, string[]> = {};
    let pnpm = "";

    /** Each case's run, started once the packages are packed (see beforeAll). */
    const runs = new Map<Case["manager"], Promise<void>>();

    beforeAll(async () => {
        // Three independent steps at once: packing (prepack builds each package), pnpm's
        // installation, and the image removal.
        fs.mkdirSync(tarballs);
        const [packOut] = await Promise.all([
            // The built packages, packed as they would be published (prepack builds each one).
            run("npm", ["pack", "--json", "--pack-destination", tarballs, ...PACKAGES.flatMap((p) => ["--workspace", `packages/${p}`])], { cwd: REPO }),
            // pnpm from the npm registry, in a prefix of this run.
            run("npm", ["install", "--prefer-offline", "--no-audit", "--no-fund", "--prefix", path.join(work, "pnpm"), `pnpm@${PNPM_VERSION}`], { cwd: work }),
            removeImages ? removeImage(DEFAULT_IMAGES.pgbouncer, work) : undefined,
        ]);
        for (const p of JSON.parse(packOut) as Array<{ name: string; filename: string; files: Array<{ path: string }> }>) {
            packed[p.name] = path.join(tarballs, p.filename.replace(/^@/, "").replace("/", "-"));
            contents[p.name] = p.files.map((f) => f.path);
        }
        for (const file of Object.values(packed)) expect(fs.existsSync(file)).toBe(true);
        pnpm = path.join(work, "pnpm", "node_modules", ".bin", "pnpm");
        // The two cases side by side: each has its own application, PULUMI_HOME, state and stack,
        // and most of an `up` is waiting on Patroni, not on the cores. Each test awaits its own.
        for (const c of CASES) {
            const done = runCase(c);
            done.catch(() => undefined); // reported by the case's test
            runs.set(c.manager, done);
        }
    });
    afterAll(async () => {
        await Promise.allSettled(runs.values());
        fs.rmSync(work, { recursive: true, force: true });
    });

    it("packs what each package.json promises, with the Pulumi SDKs as peers", () => {
        expect(Object.keys(packed).sort()).toEqual(PACKAGES.map((p) => `@pgscale/${p}`).sort());
        for (const p of PACKAGES) {
            const name = `@pgscale/${p}`;
            const manifest = JSON.parse(fs.readFileSync(path.join(REPO, "packages", p, "package.json"), "utf8"));
            const files = contents[name];
            expect(files).toEqual(expect.arrayContaining(["package.json", "README.md", "LICENSE", "dist/index.js", "dist/index.d.ts"]));
            for (const entry of manifest.files) expect(files.some((f) => f === entry || f.startsWith(`${entry}/`))).toBe(true);
            for (const target of [manifest.exports["."].types, manifest.exports["."].default, manifest.main]) expect(files).toContain(target.replace(/^\.\//, ""));
            expect(files.filter((f) => /\.test\.|(^|\/)src\//.test(f))).toEqual([]);
            expect(manifest.engines.node).toBe(">=20");
            expect(Object.keys(manifest.dependencies).filter((d) => d.startsWith("@pulumi/"))).toEqual([]);
            for (const sdk of ["@pulumi/pulumi", "@pulumi/docker", "@pulumi/kubernetes"]) {
                if (manifest.peerDependencies?.[sdk]) expect(manifest.devDependencies[sdk]).toMatch(/^\d+\.\d+\.\d+$/);
            }
        }
    });

    it.each(CASES)("with $manager, @pulumi/pulumi $pulumi, @pulumi/docker $docker, @pulumi/kubernetes $kubernetes", (c) => {
        const done = runs.get(c.manager);
        if (!done) throw new Error(`the ${c.manager} case never started (see beforeAll's failure)`);
        return done;
    });

    async function runCase(c: Case): Promise<void> {
        const started = Date.now();
        const app = path.join(work, `app-${c.manager}`);
        fs.mkdirSync(app);
        // @pgscale/core is only a dependency of the other packages: the overrides take it (and the
        // others) from the tarballs, as the registry would give them once published.
        const tarballOf = (name: string) => `file:${packed[name]}`;
        const overrides = Object.fromEntries(Object.keys(packed).map((n) => [n, tarballOf(n)]));
        const manifest: Record<string, unknown> = {
            name: `pgscale-app-${c.manager}`,
            private: true,
            main: "index.ts",
            dependencies: {
                ...Object.fromEntries(Object.keys(packed).filter((n) => n !== "@pgscale/core").map((n) => [n, tarballOf(n)])),
                "@pulumi/pulumi": c.pulumi,
                "@pulumi/docker": c.docker,
                "@pulumi/kubernetes": c.kubernetes,
            },
            devDependencies: { typescript: TYPESCRIPT_VERSION, "@types/node": TYPES_NODE_VERSION },
        };
        if (c.manager === "npm") manifest.overrides = overrides;
        else manifest.pnpm = { overrides };
        fs.writeFileSync(path.join(app, "package.json"), JSON.stringify(manifest, null, 2));
        fs.writeFileSync(path.join(app, "Pulumi.yaml"), "name: pgscale-app\nruntime:\n  name: nodejs\n  options:\n    typescript: true\n");
        fs.writeFileSync(path.join(app, "tsconfig.json"), JSON.stringify({
            compilerOptions: { strict: true, target: "ES2022", module: "commonjs", moduleResolution: "node", esModuleInterop: true, outDir: "bin" },
            files: ["index.ts", "types.ts"],
        }, null, 2));
        fs.writeFileSync(path.join(app, "index.ts"), PROGRAM);
        fs.writeFileSync(path.join(app, "types.ts"), TYPES);
        fs.writeFileSync(path.join(app, "kubernetes-graph.js"), KUBERNETES_GRAPH);

        // From the package managers' caches where they hold a version (as on a developer's machine):
        // what is tested is the layout the install makes, and the registry's latency is not. No
        // dependency's install script runs, with npm as with pnpm (its default): pgscale's packages
        // have none, and npm would otherwise compile ssh2's optional native addons with node-gyp
        // (dockerode's SSH transport, unused here), 15 s of CPU or more on a loaded machine.
        if (c.manager === "npm") await run("npm", ["install", "--prefer-offline", "--no-audit", "--no-fund", "--ignore-scripts"], { cwd: app });
        else await run(pnpm, ["install", "--prefer-offline", "--store-dir", pnpmStore(work)], { cwd: app });
        const installedAt = Date.now();

        // One SDK: pgscale's packages use the application's @pulumi/pulumi, whatever its version.
        expect(installedCopies(app, "@pulumi/pulumi").map((x) => x.version)).toEqual([c.pulumi]);
        expect(installedCopies(app, "@pulumi/docker").map((x) => x.version)).toEqual([c.docker]);
        expect(installedCopies(app, "@pulumi/kubernetes").map((x) => x.version)).toEqual([c.kubernetes]);
        if (c.manager === "pnpm") {
            // Strict layout: only direct dependencies are linked at the top; core and pg are not.
            expect(fs.existsSync(path.join(app, "node_modules", "@pgscale", "core"))).toBe(false);
            expect(fs.existsSync(path.join(app, "node_modules", "pg"))).toBe(false);
        }
        // The program type-checks against the packed declarations and this @pulumi/pulumi, and the
        // Kubernetes graph builds: checked while `pulumi up` runs (awaited before the stack goes).
        const checks = (async () => {
            await run(process.execPath, [path.join(app, "node_modules", "typescript", "bin", "tsc"), "--noEmit", "-p", app], { cwd: app });
            const graph = JSON.parse(await run(process.execPath, ["kubernetes-graph.js"], { cwd: app, timeoutMs: 120_000 }));
            expect(graph).toEqual(expect.arrayContaining(["kubernetes:apps/v1:StatefulSet", "kubernetes:apps/v1:Deployment", "kubernetes:core/v1:Service"]));
        })();
        checks.catch(() => undefined); // awaited below

        // The offline CLI and plugins from this repository (scripts/env.sh); the docker plugin is
        // the stand-in, registered under the version this @pulumi/docker asks for. A home, state
        // and passphrase of this run only.
        const home = path.join(work, `pulumi-home-${c.manager}`);
        const sharedPlugins = path.join(process.env.PULUMI_HOME ?? path.join(os.homedir(), ".pulumi"), "plugins");
        const standin = fs.readdirSync(sharedPlugins).find((d) => /^resource-docker-v/.test(d) && fs.statSync(path.join(sharedPlugins, d)).isDirectory());
        if (!standin) throw new Error(`no docker provider plugin in ${sharedPlugins}: run scripts/setup and source scripts/env.sh`);
        const plugin = path.join(home, "plugins", `resource-docker-v${c.docker}`);
        fs.mkdirSync(plugin, { recursive: true });
        fs.copyFileSync(path.join(sharedPlugins, standin, "pulumi-resource-docker"), path.join(plugin, "pulumi-resource-docker"));
        fs.chmodSync(path.join(plugin, "pulumi-resource-docker"), 0o755);
        const env: NodeJS.ProcessEnv = {
            ...process.env,
            PULUMI_HOME: home,
            PULUMI_BACKEND_URL: `file://${path.join(work, `state-${c.manager}`)}`,
            PULUMI_CONFIG_PASSPHRASE: crypto.randomBytes(18).toString("base64url"),
            PULUMI_SKIP_UPDATE_CHECK: "true",
        };
        fs.mkdirSync(path.join(work, `state-${c.manager}`));
        const stack = uniqueStackName(`app-${c.manager}`);
        let cwd = app;
        const pulumi = (...args: string[]) => run("pulumi", [...args, "--stack", stack, "--non-interactive"], { cwd, env, timeoutMs: 15 * 60 * 1000 });
        await run("pulumi", ["stack", "init", stack, "--non-interactive"], { cwd: app, env });
        let destroyed = false;
        try {
            await pulumi("up", "--yes", "--skip-preview");
            const upAt = Date.now();
            await checks;
            const out = JSON.parse(await pulumi("stack", "output", "--json", "--show-secrets"));

            // Through PgBouncer (transaction mode) into the partitioned table, read back on the primary.
            await query(out.poolerUri, "INSERT INTO events (note, created_at) VALUES ($1, '2024-06-01'), ($2, '2031-01-01')", [`from ${c.manager}`, "later"]);
            const rows = await query(out.primaryUri, "SELECT tableoid::regclass::text AS part, note FROM events ORDER BY created_at");
            expect(rows).toEqual([{ part: "events_2024", note: `from ${c.manager}` }, { part: "events_default", note: "later" }]);
            expect(await query(out.poolerUri, "SELECT count(*)::int AS n FROM events")).toEqual([{ n: 2 }]);

            // The serialized providers load pgscale from where this installation keeps it.
            const state = await pulumi("stack", "export");
            const entry = fs.realpathSync(path.join(app, "node_modules", "@pgscale", "postgres", "dist", "index.js"));
            expect(state).toContain(entry);
            if (c.manager === "pnpm") expect(entry).toContain(`${path.sep}.pnpm${path.sep}`);

            // Destroyed from another checkout of the application: the recorded paths are gone, so
            // the providers find pgscale by name from there.
            fs.renameSync(app, `${app}-moved`);
            cwd = `${app}-moved`;
            expect(fs.existsSync(entry)).toBe(false);
            await pulumi("destroy", "--yes", "--skip-preview");
            destroyed = true;
            expect(dockerObjectsOfStack(stack)).toEqual({ containers: [], networks: [], volumes: [] });
            const s = (t: number) => `${Math.round(t / 1000)} s`;
            process.stderr.write(`app-repo ${c.manager}: install ${s(installedAt - started)}, up ${s(upAt - installedAt)}, rest ${s(Date.now() - upAt)}\n`);
        } finally {
            await checks.catch(() => undefined);
            if (!destroyed) await pulumi("destroy", "--yes", "--skip-preview").catch((e) => process.stderr.write(`cleanup: ${(e as Error).message}\n`));
            await run("pulumi", ["stack", "rm", stack, "--yes", "--force", "--non-interactive"], { cwd, env }).catch(() => undefined);
        }
    }
});
