import { ChildProcess, spawn } from "child_process";

export type Role = "primary" | "replica" | "down";

export interface RoleSample {
    member: string;
    /** Server clock (ms); every container shares the host's clock. */
    at: number;
    role: Role;
}

/**
 * Asks every member's own PostgreSQL, over its local socket, whether it is in recovery, every
 * 200 ms. `docker exec` needs no network, so an isolated member is watched too: the one place a
 * split brain would show. One psql session per member (`\watch`), restarted when it ends.
 */
const PROBE =
    `while :; do printf '%s\\n' "SELECT (extract(epoch FROM clock_timestamp()) * 1000)::bigint, pg_is_in_recovery() \\watch 0.2" | ` +
    `psql -XAtq -h /var/run/postgresql -d postgres 2>/dev/null; ` +
    `echo "$(date +%s%3N)|down"; sleep 0.2; done`;

export class RoleSampler {
    readonly samples: RoleSample[] = [];
    private readonly children = new Map<string, ChildProcess>();
    private stopped = false;

    constructor(private readonly members: Record<string, string>) {}

    start(): this {
        for (const [member, container] of Object.entries(this.members)) this.watch(member, container);
        return this;
    }

    private watch(member: string, container: string): void {
        if (this.stopped) return;
        const child = spawn("docker", ["exec", container, "sh", "-c", PROBE], { stdio: ["ignore", "pipe", "ignore"] });
        this.children.set(member, child);
        let buf = "";
        child.stdout!.on("data", (d: Buffer) => {
            buf += d.toString();
            const lines = buf.split("\n");
            buf = lines.pop()!;
            for (const line of lines) {
                const m = /^(\d+)\|([tf]|down)$/.exec(line.trim());
                if (m) this.samples.push({ member, at: Number(m[1]), role: m[2] === "f" ? "primary" : m[2] === "t" ? "replica" : "down" });
            }
        });
        child.on("exit", () => {
            // The container is stopped (or was restarted): down until a new probe reports.
            this.samples.push({ member, at: Date.now(), role: "down" });
            setTimeout(() => this.watch(member, container), 500);
        });
    }

    stop(): void {
        this.stopped = true;
        for (const c of this.children.values()) c.kill("SIGKILL");
    }

    between(from: number, to: number): RoleSample[] {
        return this.samples.filter((s) => s.at >= from && s.at <= to).sort((a, b) => a.at - b.at);
    }
}

export interface PrimaryRun {
    member: string;
    from: number;
    to: number;
}

/** Consecutive "primary" samples of each member, as intervals, ordered by start. */
export function primaryRuns(samples: RoleSample[]): PrimaryRun[] {
    const runs: PrimaryRun[] = [];
    const open = new Map<string, PrimaryRun>();
    for (const s of [...samples].sort((a, b) => a.at - b.at)) {
        const cur = open.get(s.member);
        if (s.role === "primary") {
            if (cur) cur.to = s.at;
            else {
                const run = { member: s.member, from: s.at, to: s.at };
                open.set(s.member, run);
                runs.push(run);
            }
        } else if (cur) open.delete(s.member);
    }
    return runs.sort((a, b) => a.from - b.from);
}

/** Two members seen as primary at overlapping times: a split brain (at sampling resolution). */
export function overlappingPrimaries(samples: RoleSample[]): Array<[PrimaryRun, PrimaryRun]> {
    const runs = primaryRuns(samples);
    const out: Array<[PrimaryRun, PrimaryRun]> = [];
    for (let i = 0; i < runs.length; i++)
        for (let j = i + 1; j < runs.length; j++)
            if (runs[i].member !== runs[j].member && runs[j].from <= runs[i].to) out.push([runs[i], runs[j]]);
    return out;
}

/** Time from `at` until `member` was first seen as anything but primary (undefined if never). */
export function demotedAfter(samples: RoleSample[], member: string, at: number): number | undefined {
    const s = samples.filter((x) => x.member === member && x.at >= at && x.role !== "primary").sort((a, b) => a.at - b.at)[0];
    return s ? s.at - at : undefined;
}

/** Collapses consecutive repeats: ["a","a","b","a"] -> ["a","b","a"]. */
export function collapse<T>(xs: T[]): T[] {
    return xs.filter((x, i) => i === 0 || xs[i - 1] !== x);
}

/** True when `sub` appears in `seq` in order (not necessarily contiguously). */
export function isSubsequence<T>(sub: T[], seq: T[]): boolean {
    let i = 0;
    for (const x of seq) if (i < sub.length && sub[i] === x) i++;
    return i === sub.length;
}
