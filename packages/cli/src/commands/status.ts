import { isLeader, PoolerPool, sleep } from "@pgscale/core";
import { defineCommand } from "../command";
import { EXIT, Io } from "../io";
import { HTTP_PROTOCOLS, PG_PROTOCOLS, urlProblem, UsageError } from "../options";
import { patroniCaOption, readClusters } from "../patroni/rest";
import { gatherFromPooler } from "../doctor/pooler";
import { renderStatusText, renderPoolsText } from "../render/status-text";

const USAGE = `usage: pgscale status --patroni-url URL [--patroni-url URL]... [--patroni-ca FILE] [--pooler-uri URI]...
                      [--watch [--interval SECONDS] [--count N]] [--json]

Members, roles, state, timeline and lag of a Patroni cluster, from its REST API, and with
--pooler-uri the clients active and waiting in each PgBouncer pool.

  --patroni-url URL   a member's REST API; repeatable: the first that answers is used,
                      the others are only checked for an answer
  --patroni-ca FILE   the CA (PEM) an https URL's certificate must chain to: the
                      cluster's restApiCaPem (required with https URLs)
  --pooler-uri URI    PgBouncer's admin console (PgBouncerPool's adminUri, database pgbouncer,
                      a user in admin_users or stats_users); repeatable
  --watch             redraw every --interval seconds until interrupted (Ctrl-C) or --count
                      frames; with --json, one JSON object per line per frame
  --interval SECONDS  seconds between frames with --watch (default 1, at least 0.2)
  --count N           stop after N frames with --watch (default: until interrupted)
  --json              print the members and pools (or the errors) as JSON
  -h, --help          this help

Exit status: 0 printed (with --watch: at least one frame reached a member), 1 no URL answered,
2 invalid options.`;

interface StatusArgs {
    urls: string[];
    /** --patroni-ca's contents. */
    ca?: string;
    poolers: string[];
    watch?: { intervalMs: number; count?: number };
}

interface Frame {
    ok: boolean;
    text: string;
    json: unknown;
}

/** One read of every member and pooler: the table as text and as JSON. */
async function frame(args: StatusArgs): Promise<Frame> {
    const [{ endpoints, members }, pools] = await Promise.all([
        readClusters(args.urls, args.ca),
        Promise.all(args.poolers.map(async (uri) => {
            const where = new URL(uri).host;
            try {
                return { where, pools: (await gatherFromPooler(uri)).pools };
            } catch (e) {
                return { where, error: e instanceof Error ? e.message : String(e) };
            }
        })),
    ]);
    const unreachable = endpoints.filter((e) => !e.reachable).map(({ url, error }) => ({ url, error }));
    const leader = members?.find(isLeader)?.name ?? null;
    const poolText = args.poolers.length ? `\n\n${renderPoolsText(pools as Array<{ where: string; pools?: PoolerPool[]; error?: string }>)}` : "";
    if (!members) {
        const text = ["pgscale status: no Patroni REST API answered", ...unreachable.map((u) => `  ${u.url}: ${u.error}`)].join("\n");
        return { ok: false, text: text + poolText, json: { leader: null, members: [], unreachable, ...(args.poolers.length ? { pools } : {}) } };
    }
    return {
        ok: true,
        text: renderStatusText(members, unreachable) + poolText,
        json: { leader, members, unreachable, ...(args.poolers.length ? { pools } : {}) },
    };
}

const CLEAR = "\x1b[H\x1b[2J";

async function watch(args: StatusArgs, io: Io, json: boolean): Promise<number> {
    const { intervalMs, count } = args.watch!;
    let stop = false;
    const onInterrupt = () => { stop = true; };
    process.once("SIGINT", onInterrupt);
    let reached = false;
    try {
        for (let n = 0; !stop && (count === undefined || n < count); n++) {
            const started = Date.now();
            const f = await frame(args);
            reached ||= f.ok;
            const at = new Date().toISOString();
            if (json) io.out(JSON.stringify({ at, ...(f.json as object) }));
            // On a terminal each frame replaces the last; piped, frames follow each other.
            else io.out(`${process.stdout.isTTY ? CLEAR : ""}pgscale status  ${at}  (every ${intervalMs / 1000} s, Ctrl-C to stop)\n\n${f.text}\n`);
            if (count !== undefined && n + 1 >= count) break;
            await sleep(Math.max(0, intervalMs - (Date.now() - started)));
        }
    } finally {
        process.removeListener("SIGINT", onInterrupt);
    }
    return reached ? EXIT.ok : EXIT.failure;
}

export const statusCommand = defineCommand({
    name: "status",
    summary: "members, roles, timeline and lag of a Patroni cluster, and pool waits; --watch redraws",
    usage: USAGE,
    options: {
        "patroni-url": { type: "string", multiple: true },
        "patroni-ca": { type: "string" },
        "pooler-uri": { type: "string", multiple: true },
        watch: { type: "boolean" },
        interval: { type: "string" },
        count: { type: "string" },
    },
    toArgs(values): { args: StatusArgs } | { errors: UsageError[] } {
        const urls = values["patroni-url"] ?? [];
        const poolers = values["pooler-uri"] ?? [];
        const errors: UsageError[] = [];
        if (!urls.length) errors.push({ option: "--patroni-url", message: "is required" });
        errors.push(...urls.map((u) => urlProblem("--patroni-url", u, HTTP_PROTOCOLS, true)).filter((e): e is UsageError => e !== undefined));
        const ca = patroniCaOption(values["patroni-ca"], urls);
        if (ca.error) errors.push(ca.error);
        errors.push(...poolers.map((u) => urlProblem("--pooler-uri", u, PG_PROTOCOLS, true)).filter((e): e is UsageError => e !== undefined));
        const interval = values.interval === undefined ? 1 : Number(values.interval);
        if (!Number.isFinite(interval) || interval < 0.2) errors.push({ option: "--interval", message: `must be a number of seconds, at least 0.2 (got ${JSON.stringify(values.interval)})` });
        const count = values.count === undefined ? undefined : Number(values.count);
        if (count !== undefined && !(Number.isInteger(count) && count >= 1)) errors.push({ option: "--count", message: `must be a whole number of frames, at least 1 (got ${JSON.stringify(values.count)})` });
        if (!values.watch && (values.interval !== undefined || values.count !== undefined))
            errors.push({ option: values.interval !== undefined ? "--interval" : "--count", message: "applies only with --watch" });
        if (errors.length) return { errors };
        return { args: { urls, ...(ca.ca ? { ca: ca.ca } : {}), poolers, ...(values.watch ? { watch: { intervalMs: interval * 1000, count } } : {}) } };
    },
    async execute(args, io, json) {
        if (args.watch) return watch(args, io, json);
        const f = await frame(args);
        if (!f.ok) {
            io.err(f.text);
            return EXIT.failure;
        }
        io.out(json ? JSON.stringify(f.json, null, 2) : f.text);
        return EXIT.ok;
    },
});
