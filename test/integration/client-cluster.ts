// Throwaway PostgreSQL 15 servers for the client tests: a private cluster per
// need (low max_connections, a standby, a server that is not up yet) on
// 127.0.0.1 at a free port, owned by the postgres OS user.
import { execFileSync, spawnSync } from "child_process";
import { existsSync, mkdtempSync, appendFileSync, rmSync, chownSync, chmodSync } from "fs";
import { createServer } from "net";
import { tmpdir } from "os";
import { join, resolve } from "path";

const BIN = process.env.PG_BIN ?? "/usr/lib/postgresql/15/bin";

/** initdb and postgres refuse to run as root. */
function postgresArgv(cmd: string, args: string[]): [string, string[]] {
    return process.getuid?.() === 0 ? ["runuser", ["-u", "postgres", "--", cmd, ...args]] : [cmd, args];
}

function asPostgres(cmd: string, args: string[]): string {
    const [file, argv] = postgresArgv(cmd, args);
    return execFileSync(file, argv, { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
}

export async function freePort(): Promise<number> {
    return new Promise((res, rej) => {
        const srv = createServer();
        srv.once("error", rej);
        srv.listen(0, "127.0.0.1", () => {
            const port = (srv.address() as { port: number }).port;
            srv.close(() => res(port));
        });
    });
}

function privateDir(prefix: string): string {
    const dir = mkdtempSync(join(tmpdir(), prefix));
    if (process.getuid?.() === 0) {
        const uid = Number(execFileSync("id", ["-u", "postgres"], { encoding: "utf8" }).trim());
        const gid = Number(execFileSync("id", ["-g", "postgres"], { encoding: "utf8" }).trim());
        chownSync(dir, uid, gid);
    }
    chmodSync(dir, 0o700);
    return dir;
}

export interface TestServer {
    port: number;
    dataDir: string;
    /** Superuser URI over TCP (trust auth: throwaway server on loopback only). */
    uri: string;
    uriFor(user: string): string;
    start(): void;
    destroy(): void;
}

function server(dataDir: string, port: number): TestServer {
    const uriFor = (user: string) => `postgresql://${user}@127.0.0.1:${port}/postgres`;
    const ctl = (...args: string[]) => asPostgres(join(BIN, "pg_ctl"), ["-D", dataDir, "-s", ...args]);
    let running = false;
    return {
        port,
        dataDir,
        uri: uriFor("postgres"),
        uriFor,
        start() {
            ctl("-w", "-l", join(dataDir, "server.log"), "start");
            running = true;
        },
        destroy() {
            // Best effort: a test may already have stopped it.
            if (running) spawnSync(...postgresArgv(join(BIN, "pg_ctl"), ["-D", dataDir, "-m", "immediate", "stop"]));
            running = false;
            rmSync(dataDir, { recursive: true, force: true });
        },
    };
}

function configure(dataDir: string, port: number, settings: Record<string, string | number>): void {
    const lines = { port, listen_addresses: "'127.0.0.1'", unix_socket_directories: `'${dataDir}'`, fsync: "off", ...settings };
    appendFileSync(join(dataDir, "postgresql.conf"), Object.entries(lines).map(([k, v]) => `${k} = ${v}\n`).join(""));
}

/** initdb + configure; started unless `start: false`. */
export async function createTestServer(settings: Record<string, string | number> = {}, opts: { start?: boolean } = {}): Promise<TestServer> {
    const dataDir = privateDir("pgscale-client-");
    const port = await freePort();
    asPostgres(join(BIN, "initdb"), ["-D", dataDir, "-U", "postgres", "--auth=trust", "--no-sync", "-E", "UTF8"]);
    configure(dataDir, port, { wal_level: "replica", ...settings });
    const srv = server(dataDir, port);
    if (opts.start !== false) srv.start();
    return srv;
}

/** A streaming standby of `primary` (pg_basebackup -R), started. */
export async function createStandby(primary: TestServer, settings: Record<string, string | number> = {}): Promise<TestServer> {
    const dataDir = privateDir("pgscale-standby-");
    const port = await freePort();
    asPostgres(join(BIN, "pg_basebackup"), ["-h", "127.0.0.1", "-p", String(primary.port), "-U", "postgres", "-D", dataDir, "-R", "-X", "stream", "-c", "fast"]);
    configure(dataDir, port, settings);
    const srv = server(dataDir, port);
    srv.start();
    return srv;
}

/**
 * The shared test server for tests that only need "a PostgreSQL": the
 * PGSCALE_TEST_PG_URI of the developer/CI setup, else `scripts/host-postgres
 * start`, else a private one. `release` stops only what this call started.
 */
export async function sharedServerUri(): Promise<{ uri: string; release(): void }> {
    if (process.env.PGSCALE_TEST_PG_URI) return { uri: process.env.PGSCALE_TEST_PG_URI, release() {} };
    const script = resolve(__dirname, "../../scripts/host-postgres");
    if (existsSync(script)) {
        const out = execFileSync(script, ["start"], { encoding: "utf8", stdio: ["ignore", "pipe", "inherit"] });
        const uri = out.trim().split("\n").pop() ?? "";
        if (!/^postgres(ql)?:\/\//.test(uri)) throw new Error(`scripts/host-postgres start printed no URI: ${JSON.stringify(out)}`);
        return { uri, release() {} };
    }
    const srv = await createTestServer();
    return { uri: srv.uri, release: () => srv.destroy() };
}
