import { parseArgs } from "util";
import { isLeader } from "@pgscale/core";
import { Command } from "../command";
import { EXIT } from "../io";
import { HTTP_PROTOCOLS, reportUsageErrors, urlProblem, UsageError, usageErrorFrom } from "../options";
import { readClusters } from "../patroni/rest";
import { renderStatusText } from "../render/status-text";

const USAGE = `usage: pgscale status --patroni-url URL [--patroni-url URL]... [--json]

Members, roles, state, timeline and lag of a Patroni cluster, from its REST API.

  --patroni-url URL   a member's REST API; repeatable: the first that answers is used,
                      the others are only checked for an answer
  --json              print the members (or the errors) as JSON
  -h, --help          this help

Exit status: 0 printed, 1 no URL answered, 2 invalid options.`;

function parse(argv: string[]): { urls?: string[]; json: boolean; help: boolean; errors: UsageError[] } {
    const json = argv.includes("--json");
    let values;
    try {
        ({ values } = parseArgs({
            args: argv,
            strict: true,
            allowPositionals: false,
            options: { "patroni-url": { type: "string", multiple: true }, json: { type: "boolean" }, help: { type: "boolean", short: "h" } },
        }));
    } catch (err) {
        return { json, help: false, errors: [usageErrorFrom(err)] };
    }
    if (values.help) return { json, help: true, errors: [] };
    const urls = values["patroni-url"] ?? [];
    const errors = urls.length
        ? urls.map((u) => urlProblem("--patroni-url", u, HTTP_PROTOCOLS, true)).filter((e): e is UsageError => e !== undefined)
        : [{ option: "--patroni-url", message: "is required" }];
    return errors.length ? { json, help: false, errors } : { urls, json: values.json ?? false, help: false, errors: [] };
}

export const statusCommand: Command = {
    name: "status",
    summary: "members, roles, timeline and lag of a Patroni cluster",
    usage: USAGE,
    async run(argv, io) {
        const parsed = parse(argv);
        if (parsed.help) {
            io.out(USAGE);
            return EXIT.ok;
        }
        if (!parsed.urls) return reportUsageErrors("status", parsed.errors, parsed.json, io);
        const { endpoints, members } = await readClusters(parsed.urls);
        const unreachable = endpoints.filter((e) => !e.reachable).map(({ url, error }) => ({ url, error }));
        if (!members) {
            io.err(["pgscale status: no Patroni REST API answered", ...unreachable.map((u) => `  ${u.url}: ${u.error}`)].join("\n"));
            return EXIT.failure;
        }
        const leader = members.find(isLeader)?.name ?? null;
        io.out(parsed.json ? JSON.stringify({ leader, members, unreachable }, null, 2) : renderStatusText(members, unreachable));
        return EXIT.ok;
    },
};
