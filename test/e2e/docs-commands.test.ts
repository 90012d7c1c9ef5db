// Every command line in README.md and docs/*.md, as a reader runs it after the quick start: from
// the repository root, through bash, `npx pgscale ...` resolving the workspace bin. Lines that need a
// live cluster run against one from @pgscale/testing; only the placeholders (`<rest-port>`) and the
// demo stack's outputs (`$(pulumi stack output NAME --show-secrets)`) are replaced by its values.
// A documented line that COVERAGE does not list fails the test, so a new line gets run too.
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { TestCluster, startCluster } from "@pgscale/testing";
import { DocLine, commandOf, extractDocCommands, extractFrom, placeholdersOf } from "../support/doc-commands";
import { query } from "../support/pg";
import { tempFile } from "../support/temp-file";

jest.setTimeout(10 * 60 * 1000);

const ROOT = path.resolve(__dirname, "../..");

/** How a documented `run` line is exercised. */
type Coverage =
    /** Run as written; `cluster`: against the live cluster; `mutates`: after every other line. */
    | { how: "run"; exit: number; stdout: RegExp; cluster?: true; mutates?: true }
    /** A whole suite (minutes): run as written with --listTests, which must select `files`. */
    | { how: "select"; files: RegExp }
    /** A benchmark (minutes, and only meaningful on a quiet machine): its tools and files must exist. */
    | { how: "resolve" };

const COVERAGE: Record<string, Coverage> = {
    "npx pgscale --help": { how: "run", exit: 0, stdout: /^usage: pgscale <command> \[options\]\n/ },
    "npx pgscale plan --goal configure_ha --connections-peak 400 --read-write-ratio 80:20": {
        how: "run", exit: 0, stdout: /^pgscale plan: configure_ha[\s\S]*\nRollback\n/,
    },
    "npx pgscale plan --goal design_sharding --table-size-gb 3000": {
        how: "run", exit: 0, stdout: /^pgscale plan: design_sharding[\s\S]*\nconst userSessions = new ShardedTable\("user_sessions", \{\n[\s\S]*\n-- on shard-s1\n/,
    },
    "npx pgscale doctor --patroni-url https://127.0.0.1:<rest-port> --patroni-ca <ca-file> --query \"SELECT count(*) FROM events WHERE created_at > now() - interval '1 day'\"": {
        how: "run", cluster: true, exit: 0, stdout: /partitions\.query +events: pruned to 1 of 5 partitions \(events_default\)/,
    },
    "npx pgscale doctor --patroni-url https://127.0.0.1:<rest-port> --patroni-ca <ca-file> --query \"SELECT count(*) FROM events WHERE created_at >= '2024-02-01' AND created_at < '2024-03-01'\"": {
        how: "run", cluster: true, exit: 0, stdout: /partitions\.query +events: pruned to 1 of 5 partitions \(events_2024_q1\)/,
    },
    "npx pgscale status --patroni-url https://127.0.0.1:<rest-port> --patroni-ca <ca-file>": { how: "run", cluster: true, exit: 0, stdout: /^Member +Host +Role[\s\S]*\nnode-1 / },
    "npx pgscale switchover --patroni-url https://127.0.0.1:<rest-port> --patroni-ca <ca-file> --password-env PATRONI_REST_PASSWORD": {
        how: "run", cluster: true, mutates: true, exit: 0, stdout: /^pgscale switchover: node-\d -> node-\d done\n {2}write outage +\d+ ms/,
    },
    "source scripts/env.sh && npx jest test/e2e/rolling.test.ts": { how: "select", files: /^\S+\/test\/e2e\/rolling\.test\.ts$/m },
    "npx jest --selectProjects chaos": { how: "select", files: /^\S+\/test\/chaos\/\S+\.test\.ts$/m },
    "PGSCALE_CHAOS_FULL=1 npx jest --selectProjects chaos": { how: "select", files: /^\S+\/test\/chaos\/\S+\.test\.ts$/m },
    "PGSCALE_CHAOS_OUT=bench/results/chaos-ci-1796451727.json npx jest --selectProjects chaos": { how: "select", files: /^\S+\/test\/chaos\/\S+\.test\.ts$/m },
    "PGSCALE_CHAOS_FULL=1 PGSCALE_CHAOS_OUT=bench/results/chaos-full-1796489443.json npx jest --selectProjects chaos": {
        how: "select", files: /^\S+\/test\/chaos\/\S+\.test\.ts$/m,
    },
    "PGSCALE_CHAOS_OUT=bench/results/chaos-ci-1796467133.json npx jest --selectProjects chaos": { how: "select", files: /^\S+\/test\/chaos\/\S+\.test\.ts$/m },
    "PGSCALE_CHAOS_FULL=1 npx jest --selectProjects chaos -t \"quorum commit\"": { how: "select", files: /^\S+\/test\/chaos\/chaos\.test\.ts$/m },
    "PGSCALE_CHAOS_FULL=1 PGSCALE_CHAOS_OUT=bench/results/chaos-quorum-1796488427.json npx jest --selectProjects chaos -t \"quorum commit\"": {
        how: "select", files: /^\S+\/test\/chaos\/chaos\.test\.ts$/m,
    },
};

/** Placeholders in documented lines and the live value each stands for. */
const PLACEHOLDERS: Record<string, (c: TestCluster) => string> = {
    "<rest-port>": (c) => new URL(c.info.members[0].restUrl).port,
    // The cluster's REST CA in a file, as `pulumi stack output restApiCaPem > ca.pem` writes it.
    "<ca-file>": (c) => tempFile("pgscale-docs-", "ca.pem", c.info.restApi.ca ?? ""),
};

/** `export VAR="$(pulumi stack output NAME --show-secrets)"`: the demo stack's outputs, here the live cluster's. */
const STACK_OUTPUT = /^export (\w+)="\$\(pulumi stack output (\w+) --show-secrets\)"$/;
const STACK_OUTPUTS: Record<string, (c: TestCluster) => string> = {
    primaryUri: (c) => c.primaryUri,
    restApiPassword: (c) => c.info.restApi.password,
};
/** Context lines run as written. */
const CONTEXT_AS_WRITTEN = ["source scripts/env.sh"];

/** Why `line` is not exercised by this file, or undefined when it is. */
function coverageProblem(line: DocLine, demoExports: string[], coverage: Record<string, Coverage> = COVERAGE): string | undefined {
    const at = `${line.file}:${line.line}: ${line.text}`;
    if (line.kind === "context") {
        if (CONTEXT_AS_WRITTEN.includes(line.text)) return undefined;
        const output = STACK_OUTPUT.exec(line.text)?.[2];
        if (!output) return `${at}: not a context line this test knows (add it to STACK_OUTPUTS or CONTEXT_AS_WRITTEN)`;
        if (!demoExports.includes(output)) return `${at}: the demo stack has no output ${output} (examples/demo/index.ts)`;
        return STACK_OUTPUTS[output] ? undefined : `${at}: no live value for stack output ${output} (STACK_OUTPUTS)`;
    }
    if (line.kind !== "run") return undefined; // names and synopses are checked against --help below
    if (/^pgscale(-testing)? /.test(commandOf(line.text))) return `${at}: document it as \`npx ${commandOf(line.text)}\`, which runs after the quick start`;
    const c = coverage[line.text];
    if (!c) return `${at}: not covered (add it to COVERAGE with what it must do)`;
    const unknown = placeholdersOf(line.text).filter((p) => c.how !== "run" || !c.cluster || !PLACEHOLDERS[p]);
    return unknown.length ? `${at}: placeholder ${unknown.join(", ")} has no live value (PLACEHOLDERS, cluster lines only)` : undefined;
}

/** The environment of a reader's shell: nothing of ours that a documented line must set itself. */
function readerEnv(): NodeJS.ProcessEnv {
    const env = { ...process.env };
    for (const k of Object.keys(env)) if (/^PGSCALE_(PRIMARY|REPLICA|POOLER|SYNC|SUPERUSER|TESTING)/.test(k) || k === "PATRONI_REST_PASSWORD") delete env[k];
    return env;
}

/** Runs a script through bash from the repository root, as a reader's shell would. */
function sh(script: string, timeoutMs = 120_000) {
    const r = spawnSync("bash", ["-c", `set -e\n${script}`], { cwd: ROOT, env: readerEnv(), encoding: "utf8", timeout: timeoutMs });
    return { code: r.status, stdout: r.stdout, stderr: r.stderr, script };
}

/** The tools a line runs through npx must be this checkout's (else npx asks the registry), its files must exist. */
function resolveProblems(text: string): string[] {
    const problems: string[] = [];
    for (const part of text.split(" && ")) {
        const tool = /^npx (\S+)/.exec(commandOf(part))?.[1];
        if (tool && !fs.existsSync(path.join(ROOT, "node_modules/.bin", tool))) problems.push(`npx ${tool}: not in node_modules/.bin`);
    }
    const files = [...text.matchAll(/(?:^|[\s=])((?:[\w.-]+\/)*[\w.-]+\.(?:ts|json|sh))(?=\s|$)/g)].map((m) => m[1]);
    for (const f of files) if (!fs.existsSync(path.join(ROOT, f))) problems.push(`${f}: no such file`);
    return problems;
}

/** `pgscale doctor --x [--y]` -> "npx pgscale doctor" and ["--x", "--y"]: the command and the options it names. */
function helpOf(text: string): { command: string; options: string[] } {
    const words = commandOf(text).replace(/^npx /, "").split(/\s+/);
    const end = words.findIndex((w, i) => i > 0 && !/^[a-z][a-z-]*$/.test(w));
    return { command: `npx ${(end < 0 ? words : words.slice(0, end)).join(" ")}`, options: [...new Set([...text.matchAll(/--[a-z][a-z-]*/g)].map((m) => m[0]))] };
}

const lines = extractDocCommands(ROOT);
const demoExports = [...fs.readFileSync(path.join(ROOT, "examples/demo/index.ts"), "utf8").matchAll(/^export const (\w+)/gm)].map((m) => m[1]);

describe("the extractor", () => {
    const md = [
        "Run `npx pgscale plan --goal x` or `pgscale doctor`; `pgscale.managed` is a label.",
        "```sh",
        "npm test",
        "export PGSCALE_PRIMARY_URI=\"$(pulumi stack output primaryUri --show-secrets)\"",
        "npx pgscale status --patroni-url https://127.0.0.1:<rest-port> --patroni-ca <ca-file>   # members",
        "```",
        "```",
        "pgscale doctor --primary-uri URI [--replica-uri URI]",
        "               [--query SQL]",
        "pgscale doctor: CRITICAL (2 critical, 1 warning, 0 ok)",
        "```",
        "```ts",
        "// npx pgscale never runs from here",
        "```",
        "",
        "    npx jest --selectProjects chaos      # bounded",
        "",
        "`source scripts/env.sh && npm run build && npx ts-node bench/x.ts`",
    ].join("\n");

    it("finds code-block, indented and inline command lines, and tells runs, names, synopses and context apart", () => {
        expect(extractFrom("x.md", md).map(({ line, kind, text, context }) => [line, kind, text, context])).toEqual([
            [1, "run", "npx pgscale plan --goal x", []],
            [1, "name", "pgscale doctor", []],
            [4, "context", "export PGSCALE_PRIMARY_URI=\"$(pulumi stack output primaryUri --show-secrets)\"", []],
            [5, "run", "npx pgscale status --patroni-url https://127.0.0.1:<rest-port> --patroni-ca <ca-file>", ["export PGSCALE_PRIMARY_URI=\"$(pulumi stack output primaryUri --show-secrets)\""]],
            [8, "synopsis", "pgscale doctor --primary-uri URI [--replica-uri URI]\n[--query SQL]", []],
            [16, "run", "npx jest --selectProjects chaos", []],
            [18, "run", "source scripts/env.sh && npm run build && npx ts-node bench/x.ts", []],
        ]);
    });

    it("reports a line nobody covered, a bare pgscale line, an unknown placeholder and an unknown stack output", () => {
        const extra = extractFrom("new.md", [
            "```sh",
            "export X=\"$(pulumi stack output nope --show-secrets)\"",
            "npx pgscale plan --goal partition_table",
            "pgscale plan --goal partition_table",
            "```",
            "`npx pgscale status --patroni-url http://<host>:<rest-port>`",
        ].join("\n"));
        const coverage: Record<string, Coverage> = { ...COVERAGE, [extra[3].text]: { how: "run", cluster: true, exit: 0, stdout: /./ } };
        expect(extra.map((l) => coverageProblem(l, demoExports, coverage))).toEqual([
            expect.stringContaining("the demo stack has no output nope"),
            expect.stringContaining("not covered"),
            expect.stringContaining("document it as `npx pgscale plan --goal partition_table`"),
            expect.stringContaining("placeholder <host> has no live value"),
        ]);
        expect(placeholdersOf("http://<host>:<rest-port>/x <rest-port>")).toEqual(["<host>", "<rest-port>"]);
    });
});

describe("documented command lines (README.md, docs/*.md)", () => {
    it("finds the documented lines, and every one is covered here", () => {
        expect(lines.filter((l) => l.kind === "run").length).toBeGreaterThanOrEqual(Object.keys(COVERAGE).length);
        expect(lines.map((l) => coverageProblem(l, demoExports)).filter(Boolean)).toEqual([]);
        // No stale entries: each covered line is still in the docs.
        expect(Object.keys(COVERAGE).filter((text) => !lines.some((l) => l.text === text))).toEqual([]);
    });

    it("each named command and each synopsis matches the command's --help", () => {
        const seen = new Set<string>();
        // One --help per command (an npx start each), however many lines name it with other options.
        const helps = new Map<string, ReturnType<typeof sh>>();
        for (const line of lines.filter((l) => l.kind === "name" || l.kind === "synopsis")) {
            if (seen.has(line.text)) continue; // `pgscale doctor` is named a dozen times
            seen.add(line.text);
            if (!/^(npx )?pgscale(-testing)?( |$)/.test(commandOf(line.text))) {
                expect([line.text, resolveProblems(line.text)]).toEqual([line.text, []]);
                continue;
            }
            const { command, options } = helpOf(line.text);
            const r = helps.get(command) ?? sh(`${command} --help`);
            helps.set(command, r);
            expect([line.text, r.code]).toEqual([line.text, 0]);
            for (const o of options) expect([line.text, o, r.stdout.includes(o)]).toEqual([line.text, o, true]);
        }
    });

    it("runs the lines that need no cluster as written", () => {
        for (const line of lines.filter((l) => l.kind === "run")) {
            const c = COVERAGE[line.text];
            expect([line.text, resolveProblems(line.text)]).toEqual([line.text, []]);
            if (c.how === "run" && !c.cluster) {
                const r = sh([...line.context, line.text].join("\n"));
                expect({ line: line.text, code: r.code, stderr: r.stderr }).toEqual({ line: line.text, code: c.exit, stderr: "" });
                expect(r.stdout).toMatch(c.stdout);
            }
            if (c.how === "select") {
                const r = sh([...line.context, `${line.text} --listTests`].join("\n"));
                expect({ line: line.text, code: r.code }).toEqual({ line: line.text, code: 0 });
                expect(r.stdout).toMatch(c.files);
            }
        }
    });

    describe("against a live cluster", () => {
        let cluster: TestCluster;

        beforeAll(async () => {
            // prune: false, so that this test never reaps what other runs on the engine left for inspection.
            cluster = await startCluster({ nodes: 2, name: "docs", prune: false, silent: true });
            // The demo's partitioned events table (examples/demo/index.ts), which the documented queries read.
            await query(cluster.primaryUri, `CREATE TABLE events (id bigint GENERATED ALWAYS AS IDENTITY, event_type text NOT NULL, data jsonb,
                created_at timestamptz NOT NULL DEFAULT now(), PRIMARY KEY (id, created_at)) PARTITION BY RANGE (created_at)`);
            for (const [q, from, to] of [["q1", "01", "04"], ["q2", "04", "07"], ["q3", "07", "10"]]) {
                await query(cluster.primaryUri, `CREATE TABLE events_2024_${q} PARTITION OF events FOR VALUES FROM ('2024-${from}-01') TO ('2024-${to}-01')`);
            }
            await query(cluster.primaryUri, "CREATE TABLE events_2024_q4 PARTITION OF events FOR VALUES FROM ('2024-10-01') TO ('2025-01-01')");
            await query(cluster.primaryUri, "CREATE TABLE events_default PARTITION OF events DEFAULT");
        });
        afterAll(async () => cluster?.destroy());

        /** The line with its block's context, placeholders and stack outputs replaced by the cluster's values. */
        function live(line: DocLine): string {
            const context = line.context.map((c) => {
                const m = STACK_OUTPUT.exec(c);
                return m ? `export ${m[1]}='${STACK_OUTPUTS[m[2]](cluster)}'` : c;
            });
            const text = placeholdersOf(line.text).reduce((t, p) => t.split(p).join(PLACEHOLDERS[p](cluster)), line.text);
            return [...context, text].join("\n");
        }

        it("runs each cluster line as written, the one that changes the cluster last", async () => {
            const runs = lines.flatMap((line) => {
                const c = COVERAGE[line.text];
                return line.kind === "run" && c.how === "run" && c.cluster ? [{ line, c }] : [];
            });
            const ordered = [...runs.filter((r) => !r.c.mutates), ...runs.filter((r) => r.c.mutates)];
            expect(ordered.length).toBeGreaterThanOrEqual(4);
            for (const { line, c } of ordered) {
                // A switchover needs a replica that may take over; the cluster reports when it has one.
                if (c.mutates) await cluster.waitForHealthy();
                const r = sh(live(line));
                expect({ line: line.text, code: r.code, stderr: r.stderr }).toEqual({ line: line.text, code: c.exit, stderr: "" });
                expect(r.stdout).toMatch(c.stdout);
            }
        });
    });
});
