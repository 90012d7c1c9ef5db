import { isLeader } from "@pgscale/core";
import { defineCommand } from "../command";
import { EXIT } from "../io";
import { HTTP_PROTOCOLS, urlProblem, UsageError } from "../options";
import { readClusters } from "../patroni/rest";
import { renderStatusText } from "../render/status-text";

const USAGE = `usage: pgscale status --patroni-url URL [--patroni-url URL]... [--json]

Members, roles, state, timeline and lag of a Patroni cluster, from its REST API.

  --patroni-url URL   a member's REST API; repeatable: the first that answers is used,
                      the others are only checked for an answer
  --json              print the members (or the errors) as JSON
  -h, --help          this help

Exit status: 0 printed, 1 no URL answered, 2 invalid options.`;

export const statusCommand = defineCommand({
    name: "status",
    summary: "members, roles, timeline and lag of a Patroni cluster",
    usage: USAGE,
    options: { "patroni-url": { type: "string", multiple: true } },
    toArgs(values): { args: string[] } | { errors: UsageError[] } {
        const urls = values["patroni-url"] ?? [];
        if (!urls.length) return { errors: [{ option: "--patroni-url", message: "is required" }] };
        const errors = urls.map((u) => urlProblem("--patroni-url", u, HTTP_PROTOCOLS, true)).filter((e): e is UsageError => e !== undefined);
        return errors.length ? { errors } : { args: urls };
    },
    async execute(urls, io, json) {
        const { endpoints, members } = await readClusters(urls);
        const unreachable = endpoints.filter((e) => !e.reachable).map(({ url, error }) => ({ url, error }));
        if (!members) {
            io.err(["pgscale status: no Patroni REST API answered", ...unreachable.map((u) => `  ${u.url}: ${u.error}`)].join("\n"));
            return EXIT.failure;
        }
        const leader = members.find(isLeader)?.name ?? null;
        io.out(json ? JSON.stringify({ leader, members, unreachable }, null, 2) : renderStatusText(members, unreachable));
        return EXIT.ok;
    },
});
