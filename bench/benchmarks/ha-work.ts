// The work of an HA row, given to both sides alike: the pgscale side through stack config or
// startCluster's options, the baseline through bench/baseline/up.sh's environment.
import { execFileSync } from "child_process";
import * as path from "path";
import { DEFAULT_IMAGES, DEFAULT_POSTGRES_VERSION, defaultParameters, postgresLayout } from "@pgscale/core";
import { observePatroni, untilReady } from "../harness/probe";

export const ROOT = path.resolve(__dirname, "../..");
/** The images both sides run: those the constructs use by default (baseline/images.js hands the scripts the same). */
export const PATRONI_IMAGE = DEFAULT_IMAGES[postgresLayout(DEFAULT_POSTGRES_VERSION).image];
export const ETCD_IMAGE = DEFAULT_IMAGES.etcd;

export interface HaWork {
    nodes: number;
    ttl: number;
    loopWait: number;
    retryTimeout: number;
    /** The full DCS parameter set: pgscale's replication defaults and the row's own. */
    parameters: Record<string, string>;
    check: { interMs: number; fall: number; rise: number };
    dataOnTmpfs: boolean;
    /**
     * "locked": etcd over TLS with authentication and Patroni's REST API over HTTPS, as pgscale
     * makes them by default; the baseline (up.sh LOCKED=1) does the same work by hand.
     */
    controlPlane: "locked";
    /** PostgreSQL requires TLS (pgscale's default; up.sh LOCKED=1 does it too): clients connect with sslmode=require. */
    postgresTls: true;
    imageId: string;
}

export function imageId(image = PATRONI_IMAGE): string {
    return execFileSync("docker", ["image", "inspect", "-f", "{{.Id}}", image], { encoding: "utf8" }).trim();
}

/** `usePgRewind` false where pgscale turns it off (profile "fast": no full_page_writes), which drops wal_log_hints. */
export function haWork(w: Omit<HaWork, "parameters" | "imageId" | "controlPlane" | "postgresTls"> & { parameters: Record<string, string> }, usePgRewind = true): HaWork {
    return { ...w, parameters: { ...defaultParameters(usePgRewind), ...w.parameters }, controlPlane: "locked", postgresTls: true, imageId: imageId() };
}

/** `k=v,k=v` for the baseline scripts. */
export function paramList(parameters: Record<string, string>): string {
    return Object.entries(parameters).map(([k, v]) => `${k}=${v}`).join(",");
}

let uid: string | undefined;
/** The postgres user's uid in the image, looked up once (outside any timed section) for tmpfs mounts. */
export function pgUid(): string {
    uid ??= execFileSync("docker", ["run", "--rm", "--entrypoint", "id", PATRONI_IMAGE, "-u", "postgres"], { encoding: "utf8" }).trim();
    return uid;
}

export function baselineEnv(w: HaWork): NodeJS.ProcessEnv {
    return {
        ...process.env, TTL: String(w.ttl), LOOP_WAIT: String(w.loopWait), RETRY_TIMEOUT: String(w.retryTimeout),
        PARAMS: paramList(w.parameters), CHECK: `${w.check.interMs},${w.check.fall},${w.check.rise}`,
        DATA_TMPFS: w.dataOnTmpfs ? "1" : "0", PG_UID: pgUid(), LOCKED: w.controlPlane === "locked" ? "1" : "0",
    };
}

export function script(name: string): string {
    return path.join(ROOT, "bench/baseline", name);
}

/** The superuser of up.sh's cluster through its HAProxy (TLS required, as LOCKED=1 sets it up). */
export const baselineUri = (port: string) => `postgresql://postgres:baseline-password@127.0.0.1:${port}/postgres?sslmode=require`;

/**
 * The baseline HA topology by hand (baseline/up.sh) at `w`'s settings: seconds from `t0` until it
 * takes writes with every replica streaming; its first member's settings, read back, go to
 * `observed`. `env` adds to up.sh's (FRONTEND=none: one node, its own port). The caller tears it down (down.sh) whatever happens.
 */
export async function handCluster(prefix: string, w: HaWork, t0: number, observed: Record<string, unknown>[], env: Record<string, string> = {}): Promise<number> {
    const port = execFileSync(script("up.sh"), [prefix, String(w.nodes)], { encoding: "utf8", env: { ...baselineEnv(w), ...env } }).trim();
    const s = await untilReady(baselineUri(port), w.nodes - 1, t0);
    observed.push(observePatroni(`${prefix}-pg0`));
    return s;
}

