import { execFileSync } from "child_process";
import { mkdtempSync, rmSync, writeFileSync } from "fs";
import { tmpdir } from "os";
import { join } from "path";
import { planScaling, shardRoleName, type ShardedTableInput } from "@pgscale/core";
import { ShardDatabases, ShardEngine, uriOf } from "./shard-fixtures";

// `pgscale plan --goal design_sharding` as a user follows it, against the host PostgreSQL:
// the existing table with rows on the coordinator, each shard's block of the plan's SQL and
// then the coordinator's (mirror, batched backfill, swap) run with psql as the plan says, and
// the plan's ShardedTable adopting what the SQL built: no table created or dropped, no row moved.

jest.setTimeout(120_000);

const plan = planScaling({
    scaling_goal: "design_sharding",
    current_metrics: { table_size_gb: 20, rows_millions: 1, connections_peak: 8000, read_write_ratio: "50:50" },
    constraints: ["no-downtime"],
});
const [construct] = plan.configuration.constructs;
const args = construct.args as unknown as ShardedTableInput;
const shards = args.shards.map((s) => s.name);
const dbs = new ShardDatabases(shards);
const engine = new ShardEngine(dbs);
const roles = shards.map((s) => shardRoleName({ schema: "public", name: args.name }, s));
const work = mkdtempSync(join(tmpdir(), "pgscale-shard-plan-"));

/** The plan's SQL cut into its `-- on <target>` blocks. */
function blocks(sql: string[]): Map<string, string[]> {
    const out = new Map<string, string[]>();
    let at = "";
    for (const line of sql) {
        const m = /^-- on (?:shard-)?(.+)$/.exec(line);
        if (m) out.set((at = m[1] === "the coordinator" ? "c" : m[1]), []);
        else out.get(at)!.push(line);
    }
    return out;
}

/** psql with the passwords as variables, the way the plan's steps say to run it. */
function psql(on: string, statements: string[]): void {
    const file = join(work, `${on}.sql`);
    writeFileSync(file, statements.join("\n") + "\n");
    const vars = shards.flatMap((s) => ["-v", `${s}_password=pw-${s}`]);
    execFileSync("psql", ["-X", "-q", "-v", "ON_ERROR_STOP=1", ...vars, "-d", uriOf(dbs.db(on)), "-f", file], { stdio: ["ignore", "pipe", "pipe"] });
}

const count = async (on: string, table: string) => Number((await dbs.sql<{ n: string }>(on, `SELECT count(*) AS n FROM public.${table}`))[0].n);

beforeAll(async () => {
    await dbs.create();
});
afterAll(async () => {
    await dbs.drop(roles);
    rmSync(work, { recursive: true, force: true });
});

test("the plan's SQL builds the shards in ShardedTable's names, and its ShardedTable adopts them", async () => {
    expect(construct).toMatchObject({ construct: "ShardedTable", refs: { coordinator: "config:databaseUri", "shards.0.uri": "config:s1Uri" } });
    expect(shards).toEqual(["s1", "s2"]);
    // The application's table as it is before the move, with rows.
    await dbs.sql("c", "CREATE TABLE public.user_sessions (id bigint NOT NULL, user_id bigint NOT NULL, data jsonb, PRIMARY KEY (id, user_id))");
    await dbs.sql("c", "INSERT INTO public.user_sessions SELECT g, g % 97, jsonb_build_object('n', g) FROM generate_series(1, 25000) g");

    const sql = blocks(plan.configuration.sql);
    expect([...sql.keys()]).toEqual([...shards, "c"]);
    for (const s of shards) psql(s, sql.get(s)!);
    // Where each shard is: the plan's placeholders, edited as its step says.
    const coordinator = sql.get("c")!.map((line) => {
        const shard = shards.find((s) => line.includes(`host 'shard-${s}'`));
        if (!shard) return line;
        const u = new URL(uriOf(dbs.db(shard)));
        return line.replace(`host 'shard-${shard}', port '5432', dbname 'appdb'`, `host '${u.hostname}', port '${u.port}', dbname '${dbs.db(shard)}'`);
    });
    psql("c", coordinator);

    // After the swap the application's table is the sharded one, with every row, each on one shard.
    expect(await count("c", "user_sessions")).toBe(25000);
    expect(await count("c", "user_sessions_old")).toBe(25000);
    const perShard = await Promise.all(shards.map((s) => count(s, "user_sessions")));
    expect(perShard.every((n) => n > 0)).toBe(true);
    expect(perShard.reduce((a, b) => a + b)).toBe(25000);
    // A write through the coordinator after the swap reaches one shard.
    await dbs.sql("c", "INSERT INTO public.user_sessions VALUES (25001, 5, '{}')");
    expect((await Promise.all(shards.map((s) => count(s, "user_sessions")))).reduce((a, b) => a + b)).toBe(25001);

    // The ShardedTable adopts: the preview finds every object in place; the up gives each shard role a
    // generated password (in the role and in the user mapping), nothing else.
    const pv = await engine.preview(args);
    expect(pv.failures).toEqual([]);
    expect(pv.plan).toEqual([]);
    const state = await engine.up(args);
    expect(state.outputs.applied).toEqual([
        ...shards.map((s) => `[${s}] ~ set the password of role user_sessions_${s}_fdw (generated, kept secret)`),
        ...shards.map((s) => `[coordinator] ~ alter user mapping for PUBLIC on user_sessions_${s} as user_sessions_${s}_fdw`),
    ]);
    expect(state.outputs.drift).toEqual([]);
    expect(await count("c", "user_sessions")).toBe(25001);
    // The generated passwords took over from the psql ones: the coordinator still reaches every shard.
    expect(await dbs.sql("c", "SELECT count(DISTINCT tableoid) AS n FROM public.user_sessions")).toEqual([{ n: String(args.shardBy.strategy === "hash" ? args.shardBy.modulus : 0) }]);
    const again = await engine.preview(args, state);
    expect(again.plan).toEqual([]);
});
