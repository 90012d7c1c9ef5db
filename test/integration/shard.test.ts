import { randomBytes } from "crypto";
import { checkQueryPruning, foreignServerName, shardRoleName, type ShardedTableInput } from "@pgscale/core";
import { explainQuery } from "../../packages/cli/src/doctor/query-plan";
import type { ResourceState } from "./partition-fixtures";
import { ordersSpec, ShardDatabases, ShardEngine, uriOf } from "./shard-fixtures";

// ShardedTable against the host PostgreSQL: a coordinator and three shards, each a database
// of its own, joined by postgres_fdw over loopback. Rows go in through the coordinator.

jest.setTimeout(120_000);

const dbs = new ShardDatabases(["s1", "s2", "s3"]);
const engine = new ShardEngine(dbs);
// Roles are per server, not per database: a table name of its own keeps this file's apart.
const table = `ord_${randomBytes(3).toString("hex")}`;
const shards = ["s1", "s2", "s3"];

const spec = (over: Partial<ShardedTableInput> = {}): ShardedTableInput => ordersSpec(table, shards, over);

const slicesOn = (shard: string) => [0, 1, 2, 3, 4, 5].filter((r) => r % 3 === shards.indexOf(shard)).map((r) => `${table}_${r}`);
const explain = async (sql: string) => (await dbs.sql<{ "QUERY PLAN": string }>("c", `EXPLAIN (VERBOSE) ${sql}`)).map((r) => r["QUERY PLAN"]).join("\n");
const count = async (on: string, where = "") => Number((await dbs.sql<{ n: string }>(on, `SELECT count(*) AS n FROM public.${table} ${where}`))[0].n);

let state: ResourceState;

beforeAll(async () => {
    await dbs.create();
});
afterAll(async () => {
    await dbs.drop([table, `${table}_r`, `${table}_u`].flatMap((name) => shards.map((s) => shardRoleName({ schema: "public", name }, s))));
});

describe("bad input", () => {
    it("is refused by check, naming the field, before anything exists", async () => {
        const coordinator = await engine.preview(spec(), undefined, { s2: uriOf(dbs.db("c")) });
        expect(coordinator.failures).toEqual([{ property: "shards", reason: `shards[1].uri: is the coordinator's database (127.0.0.1:55432/${dbs.db("c")}); a shard is another database, usually another cluster` }]);
        const bad = spec({ shardBy: { strategy: "hash", columns: ["customer_id"], modulus: 4 }, primaryKey: ["id"] });
        // The constructor's validation (engine.props does what it does) and the provider's check agree.
        expect(() => engine.props(bad)).toThrow(/shardBy.modulus: must be a multiple of the shard count \(3\)/);
        const { shardedTableProvider } = await import("@pgscale/postgres");
        const raw = { ...bad, coordinator: uriOf(dbs.db("c")), shardConnections: Object.fromEntries(shards.map((s) => [s, uriOf(dbs.db(s))])) };
        expect((await shardedTableProvider.check!({}, raw)).failures).toEqual([
            { property: "primaryKey", reason: 'must include the shard key "customer_id": each shard enforces the key on its own rows only' },
            { property: "shardBy", reason: "shardBy.modulus: must be a multiple of the shard count (3) so every shard holds the same number of slices; 4 is not" },
        ]);
        for (const on of ["c", ...shards]) expect(await dbs.sql(on, "SELECT 1 FROM pg_class WHERE relname LIKE $1", [`${table}%`])).toEqual([]);
        expect(await dbs.sql("c", "SELECT srvname FROM pg_foreign_server")).toEqual([]);
    });
});

describe("a hash-sharded table over three shards", () => {
    it("previews the steps on every server, then creates them", async () => {
        const pv = await engine.preview(spec());
        expect(pv.failures).toEqual([]);
        expect(pv.plan).toEqual(expect.arrayContaining([
            `[s1] + create slice ${table}_0 FOR VALUES WITH (MODULUS 6, REMAINDER 0)`,
            `[s3] + create role ${table}_s3_fdw LOGIN (password generated, kept secret)`,
            `[s3] + grant ${table}_s3_fdw CONNECT on the database`,
            "[coordinator] + create extension postgres_fdw",
            `[coordinator] + create foreign partition ${table}_5 FOR VALUES WITH (MODULUS 6, REMAINDER 5) on ${table}_s3`,
        ]));
        expect(pv.plan).toHaveLength(6 * 3 + 1 + 2 * 3 + 1 + 6);
        state = await engine.up(spec());
        expect(state.outputs.applied).toEqual(pv.plan);
        const again = await engine.preview(spec(), state);
        expect(again).toMatchObject({ plan: [], changes: false, failures: [] });
    });

    it("gives each shard a role with DML on its slices only, whose password the server holds as the SCRAM verifier", async () => {
        const creds = state.outputs.credentials as Record<string, { user: string; password: string; verifier: string }>;
        for (const s of shards) {
            const role = creds[s].user;
            const [r] = await dbs.sql<{ rolpassword: string; rolsuper: boolean; rolcreatedb: boolean; rolcreaterole: boolean }>(s, "SELECT rolpassword, rolsuper, rolcreatedb, rolcreaterole FROM pg_authid WHERE rolname = $1", [role]);
            expect(r).toEqual({ rolpassword: creds[s].verifier, rolsuper: false, rolcreatedb: false, rolcreaterole: false });
            expect(creds[s].verifier).not.toContain(creds[s].password);
            const privs = await dbs.sql<{ relname: string; p: string }>(
                s,
                `SELECT c.relname, string_agg(p, ',' ORDER BY p) AS p FROM pg_class c CROSS JOIN unnest(ARRAY['SELECT','INSERT','UPDATE','DELETE','TRUNCATE','REFERENCES','TRIGGER']) p
                  WHERE c.relname LIKE $2 AND c.relkind IN ('r', 'p') AND has_table_privilege($1, c.oid, p) GROUP BY 1 ORDER BY 1`,
                [role, `${table}%`],
            );
            expect(privs).toEqual(slicesOn(s).map((relname) => ({ relname, p: "DELETE,INSERT,SELECT,UPDATE" })));
            const [schema] = await dbs.sql<{ create: boolean }>(s, "SELECT has_schema_privilege($1, 'public', 'CREATE') AS create", [role]);
            expect(schema.create).toBe(false);
        }
        const [server] = await dbs.sql<{ srvoptions: string[] }>("c", "SELECT srvoptions FROM pg_foreign_server WHERE srvname = $1", [foreignServerName({ schema: "public", name: table }, "s2")]);
        expect(server.srvoptions).toEqual(["host=127.0.0.1", "port=55432", `dbname=${dbs.db("s2")}`, "async_capable=true", "fetch_size=10000", "connect_timeout=5"]);
    });

    it("routes rows inserted through the coordinator to the shard of their slice, and nowhere else", async () => {
        await dbs.sql("c", `INSERT INTO public.${table} (customer_id, id, total) SELECT g % 997, g, g FROM generate_series(1, 3000) g`);
        expect(await count("c")).toBe(3000);
        const total = [];
        for (const s of shards) {
            const rows = await dbs.sql<{ slice: string; n: string }>(s, `SELECT tableoid::regclass::text AS slice, count(*) AS n FROM public.${table} GROUP BY 1 ORDER BY 1`);
            expect(rows.map((r) => r.slice)).toEqual(slicesOn(s));
            // The coordinator's foreign partition reads exactly the shard's slice of the same name.
            for (const r of rows) expect(Number((await dbs.sql<{ n: string }>("c", `SELECT count(*) AS n FROM public.${r.slice}`))[0].n)).toBe(Number(r.n));
            total.push(...rows.map((r) => Number(r.n)));
        }
        expect(total.reduce((a, b) => a + b, 0)).toBe(3000);
        // The keys on each shard are exactly those PostgreSQL hashes to that shard's remainders. Computed
        // on the coordinator over a local series: a filter on the table itself would be shipped to the shard.
        for (const s of shards) {
            const rems = slicesOn(s).map((n) => Number(n.split("_").pop()));
            const expected = await dbs.sql<{ k: string }>("c", `SELECT g::text AS k FROM generate_series(0, 996) g WHERE ${rems.map((r) => `satisfies_hash_partition('public.${table}'::regclass, 6, ${r}, g::bigint)`).join(" OR ")} ORDER BY g`);
            const actual = await dbs.sql<{ k: string }>(s, `SELECT DISTINCT customer_id::text AS k FROM public.${table} ORDER BY 1`);
            expect(actual.map((r) => Number(r.k)).sort((a, b) => a - b)).toEqual(expected.map((r) => Number(r.k)));
        }
    });

    it("prunes a lookup by the key to one foreign partition with the filter pushed down, and fans an aggregate out asynchronously", async () => {
        const lookup = await explain(`SELECT * FROM public.${table} WHERE customer_id = 42`);
        expect(lookup.match(/Foreign Scan/g)).toHaveLength(1);
        expect(lookup).toMatch(/Remote SQL: SELECT .* WHERE \(\(customer_id = 42\)\)/);
        const agg = await explain(`SELECT count(*) FROM public.${table}`);
        expect(agg.match(/Async Foreign Scan/g)).toHaveLength(6);
    });

    it("pgscale doctor's query check: a lookup by the key reaches one shard, a query without it every shard", async () => {
        await dbs.sql("c", "SELECT 1");
        const client = dbs.clients.get("c")!;
        const settings = { enablePartitionPruning: "on", constraintExclusion: "partition" };
        const lookup = checkQueryPruning(await explainQuery(client, `SELECT * FROM public.${table} WHERE customer_id = 42`), settings);
        expect(lookup.find((f) => f.check === "partitions.shard_query")).toMatchObject({ severity: "ok", detail: expect.stringMatching(new RegExp(`^${table}: reaches 1 of 3 shards \\(${table}_s[123]\\)$`)) });
        const scan = checkQueryPruning(await explainQuery(client, `SELECT * FROM public.${table} WHERE total > 10`), settings);
        expect(scan.find((f) => f.check === "partitions.shard_query")).toMatchObject({ severity: "warning", detail: `${table}: the query reaches all 3 shards (${table}_s1, ${table}_s2, ${table}_s3); shard key HASH (customer_id)` });
    });

    it("refresh reports drift on the coordinator and on a shard, and the next up repairs it", async () => {
        const server = foreignServerName({ schema: "public", name: table }, "s1");
        await dbs.sql("c", `ALTER SERVER "${server}" OPTIONS (SET fetch_size '100')`);
        const role = shardRoleName({ schema: "public", name: table }, "s2");
        await dbs.sql("s2", `REVOKE DELETE ON public.${table}_1 FROM "${role}"`);
        const refreshed = (await engine.refresh(state))!;
        expect(refreshed.outputs.drift).toEqual([
            `[s2] + grant ${role} SELECT, INSERT, UPDATE, DELETE on ${table}_1`,
            `[coordinator] ~ alter server ${server}: fetch_size 10000`,
        ]);
        const pv = await engine.preview(spec(), refreshed);
        expect(pv).toMatchObject({ changes: true, plan: refreshed.outputs.drift });
        state = await engine.up(spec(), refreshed);
        expect((await engine.refresh(state))!.outputs.drift).toEqual([]);
        expect(await count("c")).toBe(3000);
    });

    it("refuses to remove a shard holding rows, or to change the key, and loses nothing", async () => {
        const onS3 = await count("s3");
        expect(onS3).toBeGreaterThan(0);
        const two = await engine.preview(spec({ shards: [{ name: "s1" }, { name: "s2" }] }), state);
        expect(two.failures.map((f) => f.reason)).toEqual(expect.arrayContaining([
            `shard s3 is no longer in shards, and its slices ${table}_2, ${table}_5 hold rows: set moveRowsOnShardRemoval: true to move them online to the remaining shards (${table}_2 to s1, ${table}_5 to s2), or keep s3 in shards; nothing was changed`,
        ]));
        await expect(engine.up(spec({ shards: [{ name: "s1" }, { name: "s2" }] }), state)).rejects.toThrow(/check failed/);
        const rekey = await engine.preview(spec({ shardBy: { strategy: "hash", columns: ["id"], modulus: 6 } }), state);
        expect(rekey.failures.map((f) => f.reason)).toEqual([`the table exists with another shard key or strategy and holds rows on coordinator, s1, s2, s3; moving rows between shards is not supported yet; nothing was changed`]);
        // The provider refuses on its own too (an update reaching it without check).
        const props = engine.props(spec({ shards: [{ name: "s1" }, { name: "s2" }] }));
        const { shardedTableProvider } = await import("@pgscale/postgres");
        await expect(shardedTableProvider.update!(state.id, state.outputs, props)).rejects.toThrow(/refused, nothing was changed/);
        expect(await count("s3")).toBe(onS3);
        expect(await count("c")).toBe(3000);
    });

    it("removalPolicy destroy is refused while rows exist, and drops everything once they are gone", async () => {
        state = await engine.up(spec({ removalPolicy: "destroy" }), state);
        await expect(engine.destroy(state)).rejects.toThrow(/removalPolicy: shard s1 holds rows/);
        expect(await count("c")).toBe(3000);
        await dbs.sql("c", `DELETE FROM public.${table}`);
        await engine.destroy(state);
        for (const on of ["c", ...shards]) expect(await dbs.sql(on, "SELECT relname FROM pg_class WHERE relname LIKE $1", [`${table}%`])).toEqual([]);
        expect(await dbs.sql("c", "SELECT srvname FROM pg_foreign_server")).toEqual([]);
        expect(await dbs.sql("s1", "SELECT rolname FROM pg_roles WHERE rolname LIKE $1", [`${table}%`])).toEqual([]);
    });
});

describe("a table of the same name that the user already has", () => {
    it("is refused at preview and at up, naming the field, and keeps its rows", async () => {
        const t = `${table}_u`;
        for (const on of ["c", "s2"]) await dbs.sql(on, `CREATE TABLE public.${t} (customer_id bigint NOT NULL, id bigint NOT NULL, total numeric, PRIMARY KEY (customer_id, id)); INSERT INTO public.${t} VALUES (1, 1, 9.5)`);
        const input = spec({ name: t });
        const reason = (where: string) => `public.${t} exists on ${where} and is not a partitioned table; pgscale does not turn an existing table into a sharded one. Rename it, or give the ShardedTable another name; nothing was changed`;
        const pv = await engine.preview(input);
        expect(pv.failures).toEqual([{ property: "name", reason: reason("coordinator") }, { property: "name", reason: reason("shard s2") }]);
        await expect(engine.up(input)).rejects.toThrow(/name: .* exists on coordinator and is not a partitioned table/);
        for (const on of ["c", "s2"]) expect(await dbs.sql(on, `SELECT id, total FROM public.${t}`)).toEqual([{ id: "1", total: "9.5" }]);
        for (const on of ["s1", "s3"]) expect(await dbs.sql(on, "SELECT 1 FROM pg_class WHERE relname LIKE $1", [`${t}%`])).toEqual([]);
    });
});

describe("range sharding with slices partitioned by time on each shard", () => {
    it("routes each row to its shard's time partition", async () => {
        const t = `${table}_r`;
        const input: ShardedTableInput = {
            name: t,
            columns: [
                { name: "tenant", type: "integer", notNull: true },
                { name: "at", type: "timestamptz", notNull: true },
                { name: "v", type: "text" },
            ],
            primaryKey: ["tenant", "at"],
            shardBy: { strategy: "range", columns: ["tenant"] },
            shards: [
                { name: "s1", ranges: [{ from: 0, to: 100 }] },
                { name: "s2", ranges: [{ from: 100, to: 200 }, { from: 300, to: 400 }] },
            ],
            localPartitioning: {
                partitionBy: { strategy: "range", columns: ["at"] },
                partitions: [
                    { name: "2024", from: "2024-01-01", to: "2025-01-01" },
                    { name: "2025", from: "2025-01-01", to: "2026-01-01" },
                ],
            },
        };
        const st = await engine.up(input);
        await dbs.sql("c", `INSERT INTO public.${t} VALUES (5, '2024-03-01', 'a'), (150, '2025-06-01', 'b'), (350, '2024-12-31', 'c')`);
        expect(await dbs.sql("s1", `SELECT tableoid::regclass::text AS p, v FROM public.${t} ORDER BY v`)).toEqual([{ p: `${t}_s1_0_2024`, v: "a" }]);
        expect(await dbs.sql("s2", `SELECT tableoid::regclass::text AS p, v FROM public.${t} ORDER BY v`)).toEqual([
            { p: `${t}_s2_0_2025`, v: "b" },
            { p: `${t}_s2_1_2024`, v: "c" },
        ]);
        // A key no shard holds is refused by the coordinator, not stored anywhere.
        await expect(dbs.sql("c", `INSERT INTO public.${t} VALUES (250, '2024-01-01', 'x')`)).rejects.toThrow(/no partition of relation/);
        const lookup = await explain(`SELECT * FROM public.${t} WHERE tenant = 150`);
        expect(lookup.match(/Foreign Scan/g)).toHaveLength(1);
        expect(st.outputs.drift).toEqual([]);
    });
});
