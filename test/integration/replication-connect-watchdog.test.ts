// The statement every member's watchdog runs (replication-connect-watchdog.ts), against a real
// PostgreSQL (the host server, or PGSCALE_TEST_PG_URI): a subscription whose publisher accepts the
// TCP connection and never answers, as HAProxy does with a client it holds, keeps its apply worker
// in LibpqwalreceiverConnect past the connect_timeout its connection string sets. The statement
// ends that worker once it has waited longer than its bound, and no other; the launcher starts a
// new one.
import { randomBytes } from "crypto";
import * as net from "net";
import { Client } from "pg";
import { stuckReplicationWorkersSql } from "@pgscale/core";
import { eventually } from "../support/pg";
import { testPgUri } from "./partition-fixtures";

jest.setTimeout(90_000);

const tag = randomBytes(3).toString("hex");
const db = `it_wd_${tag}`;
const sub = `it_wd_sub_${tag}`;
let admin: Client;
let subscriber: Client;
let silent: net.Server;
const held: net.Socket[] = [];

interface Worker { pid: number; wait_event: string | null; waited: number }
const workers = async (): Promise<Worker[]> => (await admin.query<Worker>(
    "SELECT a.pid, a.wait_event, extract(epoch FROM now() - a.backend_start)::float8 AS waited FROM pg_stat_subscription s JOIN pg_stat_activity a ON a.pid = s.pid WHERE s.subname = $1",
    [sub])).rows;

beforeAll(async () => {
    // The publisher: takes each connection and its first bytes (libpq's SSLRequest), answers nothing.
    silent = net.createServer((socket) => { held.push(socket); socket.on("error", () => undefined); });
    await new Promise<void>((resolve) => silent.listen(0, "127.0.0.1", resolve));
    const port = (silent.address() as net.AddressInfo).port;
    admin = new Client({ connectionString: testPgUri() });
    await admin.connect();
    await admin.query(`CREATE DATABASE "${db}"`);
    const u = new URL(testPgUri());
    u.pathname = `/${db}`;
    subscriber = new Client({ connectionString: u.toString() });
    await subscriber.connect();
    // connect = false: nothing is dialled until the subscription is enabled.
    await subscriber.query(`CREATE SUBSCRIPTION "${sub}" CONNECTION 'host=127.0.0.1 port=${port} dbname=none user=none connect_timeout=2' ` +
        `PUBLICATION none WITH (connect = false, slot_name = 'it_wd_${tag}')`);
    await subscriber.query(`ALTER SUBSCRIPTION "${sub}" ENABLE`);
});

afterAll(async () => {
    if (subscriber) {
        await subscriber.query(`ALTER SUBSCRIPTION "${sub}" DISABLE`).catch(() => undefined);
        await subscriber.query(`ALTER SUBSCRIPTION "${sub}" SET (slot_name = NONE)`).catch(() => undefined);
        await subscriber.query(`DROP SUBSCRIPTION IF EXISTS "${sub}"`).catch(() => undefined);
        await subscriber.end();
    }
    for (const s of held) s.destroy();
    silent?.close();
    if (admin) {
        await admin.query(`DROP DATABASE IF EXISTS "${db}" WITH (FORCE)`).catch(() => undefined);
        await admin.end();
    }
});

it("ends an apply worker held connecting past its bound (connect_timeout does not apply), and only such a worker", async () => {
    const first = await eventually(async () => (await workers()).find((w) => w.waited > 4), 30_000, "the apply worker waiting over 4 s", 250) as Worker;
    // Past its connection string's connect_timeout of 2 s, still connecting.
    expect(first.wait_event).toMatch(/^LibpqwalreceiverConnect$/i); // LibPQWalReceiverConnect before PostgreSQL 17
    expect(held.length).toBeGreaterThan(0);

    // A bound it has not reached yet ends nothing.
    expect((await admin.query(stuckReplicationWorkersSql(3600))).rows).toEqual([]);

    const ended = (await admin.query<{ who: string }>(stuckReplicationWorkersSql(3))).rows.map((r) => r.who);
    expect(ended).toHaveLength(1);
    expect(ended[0]).toMatch(new RegExp(`^logical replication (apply )?worker ${first.pid} \\(subscription ${sub}\\)$`));
    await eventually(async () => !(await workers()).some((w) => w.pid === first.pid), 10_000, "the ended worker gone");

    // The launcher starts the subscription's worker again (after wal_retrieve_retry_interval), and it dials anew.
    const next = await eventually(async () => (await workers()).find((w) => w.pid !== first.pid), 30_000, "a new apply worker") as Worker;
    expect(next.wait_event).toMatch(/^LibpqwalreceiverConnect$/i);
});
