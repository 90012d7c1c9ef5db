import type * as PG from "pg";
import {
    DATA_MOUNT, POSTGRES_VERSIONS, PostgresVersion, UPGRADE_EXIT, etcdRootCheckScript, isLeaderRole, majorUpgradeSteps, missingExtensions, parseMajorUpgradeOutput, patroniDcsResetScript,
    postgresLayout, renderMajorUpgradeScript, sleep, verifiedTls,
} from "@pgscale/core";
import { demuxLog, dockerEngine, execIn } from "../engine/docker-engine";
import { ensureImage } from "../built-image";
import { NO_CAPABILITIES } from "../hardening";
import { MemberSelector, RollingContext, discoverMembers, memberFilters, memberRequest, readClusterView } from "../rolling";
import { runInMember } from "../etcd-auth";

// What the MajorUpgrade provider runs (core's major-upgrade.ts describes the method and why).
// Everything before the containers are stopped only reads; a refusal there changes nothing.

export interface UpgradeInputs {
    /** "PatroniCluster main", for messages. */
    subject: string;
    selector: MemberSelector;
    dockerHost?: string;
    scope: string;
    /** The major the program asks for. */
    version: number;
    members: string[];
    /** pgscale/pg-upgrade: built on the engine, or pulled from the user's registry. */
    image: { kind: "build" | "pull"; ref: string };
    restUser: string;
    restPassword: string;
    /** The CA of the members' REST certificates (HTTPS); absent: plain HTTP. */
    restCaPem?: string;
    superuserPassword: string;
    /** The CA of the members' PostgreSQL certificates when they require TLS. */
    pgCaPem?: string;
    etcd: { containers: string[]; tls: boolean; auth: boolean; rootPassword: string };
    /** The stack's dynamic configuration (Patroni's /config), as JSON. */
    dcsConfig: string;
    timeoutSeconds: number;
    /** Set by check: the major the members run (null: no member container), and the steps an upgrade takes. */
    running?: number | null;
    steps?: string[];
}

export interface UpgradeOutputs {
    /** Changes each time an upgrade runs: the member gates of that `up` let the replacement through. */
    upgradeToken: string;
    /** Seconds from stopping the cluster to the reset of its DCS keys (the rest of the outage is the members' start). */
    stoppedSeconds?: number;
    /** SQL pg_upgrade recommends for extensions with a newer version in the new major. */
    extensionUpdates?: string;
}

const API_TIMEOUT_MS = 10_000;

/** The major the cluster's member containers run (the lowest, while some are half replaced), or null. */
export async function runningMajor(i: Pick<UpgradeInputs, "selector" | "dockerHost">): Promise<number | null> {
    const engine = dockerEngine(i.dockerHost);
    const majors: number[] = [];
    for (const c of await engine.listContainers({ all: true, filters: memberFilters(i.selector) })) {
        const env: string[] = (await engine.getContainer(c.Id).inspect()).Config.Env ?? [];
        // Each image puts its major's binaries first on PATH (a unit test holds the Dockerfiles to it).
        const m = /\/usr\/lib\/postgresql\/(\d+)\/bin/.exec(env.find((e) => e.startsWith("PATH=")) ?? "");
        if (m) majors.push(Number(m[1]));
    }
    return majors.length ? Math.min(...majors) : null;
}

function context(i: UpgradeInputs, log?: (m: string) => void): RollingContext {
    return {
        discover: () => discoverMembers(i.selector, i.dockerHost),
        auth: { username: i.restUser, password: i.restPassword },
        ...(i.restCaPem ? { ca: i.restCaPem } : {}),
        superuserPassword: i.superuserPassword,
        timeoutSeconds: i.timeoutSeconds,
        log,
    };
}

async function upgradeImage(i: UpgradeInputs): Promise<string> {
    const engine = dockerEngine(i.dockerHost, 15 * 60_000);
    if (i.image.kind === "build") return (await ensureImage({ name: "pg-upgrade", tag: i.image.ref, engine })).imageId;
    const stream = await engine.pull(i.image.ref);
    await new Promise<void>((resolve, reject) => engine.modem.followProgress(stream, (e: Error | null) => (e ? reject(e) : resolve())));
    return i.image.ref;
}

/** Runs `script` in a one-off container of the upgrade image (no network, no capabilities), with `volume` at the data mount. */
async function runOneOff(i: UpgradeInputs, image: string, script: string, volume?: string): Promise<{ code: number; stdout: string; stderr: string }> {
    const engine = dockerEngine(i.dockerHost, 30 * 60_000);
    const container = await engine.createContainer({
        Image: image, User: "postgres", Entrypoint: ["/bin/sh", "-c", script], Cmd: [],
        Labels: { "pgscale.role": "major-upgrade" },
        NetworkDisabled: true,
        HostConfig: { NetworkMode: "none", Binds: volume ? [`${volume}:${DATA_MOUNT}`] : [], CapDrop: NO_CAPABILITIES.drops, SecurityOpt: ["no-new-privileges"] },
    });
    try {
        await container.start();
        const { StatusCode } = await container.wait();
        const { stdout, stderr } = demuxLog(await container.logs({ stdout: true, stderr: true, follow: false }));
        return { code: StatusCode, stdout, stderr };
    } finally {
        await container.remove({ force: true, v: true }).catch(() => undefined);
    }
}

/** Each connectable database's installed extensions, read on the leader. */
async function installedExtensions(host: string, port: number, password: string, caPem: string | undefined): Promise<Record<string, string[]>> {
    const { Client } = require("pg") as typeof PG;
    const connect = async (database: string) => {
        const c = new Client({ host, port, user: "postgres", password, database, connectionTimeoutMillis: 5000, ssl: verifiedTls(caPem) });
        c.on("error", () => undefined);
        await c.connect();
        return c;
    };
    const admin = await connect("postgres");
    try {
        const dbs = (await admin.query("SELECT datname FROM pg_database WHERE datallowconn ORDER BY 1")).rows.map((r) => String(r.datname));
        const out: Record<string, string[]> = {};
        for (const db of dbs) {
            const c = await connect(db);
            try {
                out[db] = (await c.query("SELECT extname FROM pg_extension ORDER BY 1")).rows.map((r) => String(r.extname));
            } finally {
                await c.end().catch(() => undefined);
            }
        }
        return out;
    } finally {
        await admin.end().catch(() => undefined);
    }
}

async function patchPause(ctx: RollingContext, pause: boolean): Promise<void> {
    const deadline = Date.now() + ctx.timeoutSeconds * 1000;
    for (;;) {
        for (const m of await ctx.discover().catch(() => [])) {
            const r = await memberRequest(ctx, m.restUrl, "/config", { method: "PATCH", auth: ctx.auth, body: { pause }, timeoutMs: API_TIMEOUT_MS }).catch(() => undefined);
            if (r && r.status < 300) return;
            if (r?.status === 401) throw new Error("PATCH /config: HTTP 401 (REST API credentials rejected)");
        }
        if (Date.now() > deadline) throw new Error(`no member accepted PATCH /config {"pause": ${pause}}`);
        await sleep(1000);
    }
}

/** Waits until every running member's Patroni has seen maintenance mode, so none acts when PostgreSQL stops. */
async function awaitPaused(ctx: RollingContext, members: string[]): Promise<void> {
    const deadline = Date.now() + ctx.timeoutSeconds * 1000;
    for (;;) {
        const live = await ctx.discover();
        const seen = await Promise.all(live.map((m) => memberRequest(ctx, m.restUrl, "/patroni", { timeoutMs: API_TIMEOUT_MS }).then((r) => r.body?.pause === true).catch(() => false)));
        if (live.length === members.length && seen.every(Boolean)) return;
        if (Date.now() > deadline) throw new Error("not every member reported maintenance mode");
        await sleep(500);
    }
}

const containerName = async (i: UpgradeInputs, member: string) => {
    const [c] = await dockerEngine(i.dockerHost).listContainers({ all: true, filters: memberFilters(i.selector, member) });
    if (!c) throw new Error(`no container for member ${member}`);
    return c.Id;
};

export const majorUpgradeHandlers = {
    async check(olds: Partial<UpgradeInputs>, news: UpgradeInputs) {
        const running = await runningMajor(news).catch(() => null);
        if (running !== null && running > news.version)
            return { inputs: { ...news, running }, failures: [{ property: "version", reason: `${news.subject}: postgresVersion: the members run PostgreSQL ${running}; going back to ${news.version} is a downgrade, which PostgreSQL cannot do in place; nothing was touched.` }] };
        const steps = running !== null && running < news.version ? majorUpgradeSteps(running as PostgresVersion, news.version as PostgresVersion, news.members) : [];
        void olds;
        return { inputs: { ...news, running, steps } };
    },

    /** Upgrades when the members run an older major than asked; otherwise only records. */
    async apply(i: UpgradeInputs, previous?: Partial<UpgradeOutputs>): Promise<UpgradeOutputs> {
        const running = await runningMajor(i);
        if (running === null || running >= i.version) return { upgradeToken: previous?.upgradeToken ?? "none" };
        const from = postgresLayout(running as PostgresVersion);
        const to = postgresLayout(i.version as PostgresVersion);
        const log = (m: string) => console.error(`${i.subject}: major upgrade: ${m}`);
        const ctx = context(i, log);
        const fail = (why: string) => new Error(`${i.subject}: postgresVersion: upgrade ${from.version} -> ${to.version} refused: ${why}; nothing was touched`);

        // 1. Checks on the running cluster.
        const found = await readClusterView(ctx);
        if (!found) throw fail("no member's Patroni answered (the cluster must run to be upgraded)");
        const leader = found.view.members.find((m) => isLeaderRole(m.role));
        if (!leader) throw fail("the cluster has no leader");
        if (found.view.paused) throw fail("the cluster is in maintenance mode (pause); resume it first");
        const replicas = i.members.filter((m) => m !== leader.name);
        const notStreaming = replicas.filter((m) => !(found.view.streaming ?? []).includes(m));
        if (notStreaming.length) throw fail(`${notStreaming.join(", ")} ${notStreaming.length > 1 ? "are" : "is"} not streaming from ${leader.name}; every replica must stream before an upgrade`);
        const leaderLive = found.live.find((m) => m.name === leader.name);
        if (!leaderLive?.pg) throw fail(`${leader.name}'s PostgreSQL port is not published`);
        const image = await upgradeImage(i);
        const available = await runOneOff(i, image, `ls ${to.binDir.replace(/\/bin$/, "").replace("/usr/lib/", "/usr/share/")}/extension | sed -n 's/\\.control$//p'`);
        const missing = missingExtensions(await installedExtensions(leaderLive.pg.host, leaderLive.pg.port, i.superuserPassword, i.pgCaPem), available.stdout.split("\n").filter(Boolean));
        if (missing.length) throw fail(`PostgreSQL ${to.version} in ${image} has no build of ${missing.join(", ")} (database.extension); drop ${missing.length > 1 ? "them" : "it"} first`);
        // Step 4 resets the scope's keys as etcd's root; the same update may be turning authentication on.
        const e = i.etcd;
        if (e.auth) {
            await runInMember({ dockerHost: i.dockerHost, containers: e.containers, tls: e.tls, rootPassword: e.rootPassword, timeoutSeconds: 60 }, etcdRootCheckScript(e.tls), `${e.rootPassword}\n`, `${i.subject}: etcd taking its root user`)
                .catch((err: Error) => { throw fail(err.message); });
        }

        // 2. Maintenance mode, PostgreSQL stopped cleanly (the leader first), then the containers.
        const started = Date.now();
        log(`stopping the cluster (leader ${leader.name})`);
        await patchPause(ctx, true);
        await awaitPaused(ctx, i.members);
        const ids = Object.fromEntries(await Promise.all(i.members.map(async (m) => [m, await containerName(i, m)] as const)));
        for (const m of [leader.name, ...replicas]) {
            const r = await execIn(ids[m], ["pg_ctl", "stop", "-D", from.dataDir, "-m", "fast", "-w", "-t", "120"], { user: "postgres", host: i.dockerHost });
            if (r.exitCode !== 0 && !/Is server running\?/.test(r.stderr)) throw new Error(`${i.subject}: major upgrade: stopping PostgreSQL on ${m} failed: ${r.stderr.trim()}`);
        }
        const engine = dockerEngine(i.dockerHost);
        for (const m of i.members) await engine.getContainer(ids[m]).stop({ t: 30 }).catch((e: Error) => { if (!/already stopped|not modified/i.test(e.message)) throw e; });

        // 3. pg_upgrade on the leader's volume.
        const mounts: Array<{ Destination: string; Name?: string }> = (await engine.getContainer(ids[leader.name]).inspect()).Mounts ?? [];
        const volume = mounts.find((x) => x.Destination === DATA_MOUNT)?.Name;
        if (!volume) throw new Error(`${i.subject}: major upgrade: ${leader.name} has no data volume`);
        log(`pg_upgrade --link on ${volume}`);
        const res = await runOneOff(i, image, renderMajorUpgradeScript(from, to), volume);
        if (res.code === UPGRADE_EXIT.refusedBeforeChange) {
            // Nothing of the old cluster changed: bring it back as it was.
            for (const m of i.members) await engine.getContainer(ids[m]).start().catch(() => undefined);
            await patchPause(ctx, false).catch(() => undefined);
            throw fail(`pg_upgrade: ${res.stderr.trim().slice(-2000)}`);
        }
        if (res.code !== 0)
            throw new Error(`${i.subject}: major upgrade ${from.version} -> ${to.version} failed in pg_upgrade --link (exit ${res.code}); ${leader.name}'s pg${from.version} directory may be unusable. ` +
                `The other members' pg${from.version} directories are whole copies of the data at the clean shutdown. pg_upgrade said: ${res.stderr.trim().slice(-2000)}`);
        const result = parseMajorUpgradeOutput(res.stdout);

        // 4. The scope's keys start again from the upgraded system.
        await runInMember({ dockerHost: i.dockerHost, containers: e.containers, tls: e.tls, rootPassword: e.rootPassword, timeoutSeconds: 60 },
            patroniDcsResetScript(e.tls, e.auth, i.scope), `${e.auth ? `${e.rootPassword}\n` : ""}${result.systemIdentifier}\n${JSON.stringify(JSON.parse(i.dcsConfig))}\n`,
            `${i.subject}: resetting the DCS keys of scope ${i.scope}`);
        const stoppedSeconds = Math.round((Date.now() - started) / 100) / 10;
        log(`upgraded in ${stoppedSeconds} s; the members are replaced next`);
        return { upgradeToken: new Date().toISOString(), stoppedSeconds, ...(result.extensionUpdates ? { extensionUpdates: result.extensionUpdates } : {}) };
    },

    /**
     * Removes the data directories of majors below the one each running member runs (the rollback
     * path a major upgrade leaves), once the user no longer wants them.
     */
    async removePreviousMajorData(i: { dockerHost?: string; selector: MemberSelector }): Promise<void> {
        const running = await runningMajor(i);
        const dirs = POSTGRES_VERSIONS.filter((v) => running !== null && v < running).map((v) => postgresLayout(v).dataDir);
        if (!dirs.length) return;
        for (const c of await dockerEngine(i.dockerHost).listContainers({ filters: memberFilters(i.selector) })) {
            const r = await execIn(c.Id, ["rm", "-rf", ...dirs], { user: "postgres", host: i.dockerHost });
            if (r.exitCode !== 0) throw new Error(`removing ${dirs.join(", ")} in ${c.Names?.[0] ?? c.Id}: ${r.stderr.trim()}`);
        }
    },

    /** After the replaced cluster is ready: pg_upgrade carries no planner statistics. */
    async analyze(i: { dockerHost?: string; selector: MemberSelector; restUser: string; restPassword: string; restCaPem?: string; timeoutSeconds: number }): Promise<void> {
        const ctx: RollingContext = {
            discover: () => discoverMembers(i.selector, i.dockerHost), auth: { username: i.restUser, password: i.restPassword },
            ...(i.restCaPem ? { ca: i.restCaPem } : {}), timeoutSeconds: i.timeoutSeconds,
        };
        const found = await readClusterView(ctx);
        const leader = found?.view.members.find((m) => isLeaderRole(m.role))?.name;
        if (!leader) throw new Error("no leader to ANALYZE on");
        const [c] = await dockerEngine(i.dockerHost).listContainers({ filters: memberFilters(i.selector, leader) });
        const r = await execIn(c.Id, ["vacuumdb", "--all", "--analyze-in-stages", "--quiet"], { user: "postgres", host: i.dockerHost });
        if (r.exitCode !== 0) throw new Error(`vacuumdb --analyze-in-stages on ${leader}: ${r.stderr.trim()}`);
    },
};
