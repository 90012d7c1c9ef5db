// Declared access on a pgscale cluster through `pulumi up`: a Database, a group and a login Role,
// a role and a database the PatroniCluster declares itself (`roles`, `databases`),
// Grants (now and for tables created later), drift made by hand undone by the next up, an
// unchanged stack previewed as no change, and destroy.
import { Stack } from "@pulumi/pulumi/automation";
import { destroyAndRemove, dockerObjectsOfStack, fixtureStack, plainOutputs, uniqueStackName } from "../support/stack";
import { query } from "../support/pg";

jest.setTimeout(10 * 60 * 1000);

interface Outputs { appUri: string; adminUri: string; reporterPassword: string; reportsOwner: string; poolUri: string; poolAdminUri: string; auditorPassword: string; auditOwner: string }

/** The SQLSTATE of `text` run as `user`, or "ok". */
async function as(uri: string, user: string, password: string, text: string): Promise<string> {
    const u = new URL(uri);
    u.username = user;
    u.password = password;
    return query(u.toString(), text).then(() => "ok", (e) => (e as { code?: string }).code ?? String(e));
}

describe("Role, Database and Grant on a pgscale cluster", () => {
    const name = uniqueStackName("access");
    let stack: Stack | undefined;
    let out: Outputs;
    const quiet = { onOutput: () => undefined };

    beforeAll(async () => {
        stack = await fixtureStack("access", name);
        const res = await stack.up(quiet);
        out = plainOutputs(res.outputs) as Outputs;
    });
    afterAll(async () => destroyAndRemove(stack));

    it("the reporter reads the application's tables, created after the grant, and cannot write (42501)", async () => {
        expect(out.reportsOwner).toBe("reporter");
        await query(out.appUri, "CREATE TABLE orders (id int primary key)");
        await query(out.appUri, "INSERT INTO orders VALUES (1)");
        expect(await as(out.appUri, "reporter", out.reporterPassword, "SELECT * FROM orders")).toBe("ok");
        expect(await as(out.appUri, "reporter", out.reporterPassword, "INSERT INTO orders VALUES (2)")).toBe("42501");
        expect(await as(out.appUri, "reporter", out.reporterPassword.slice(1), "SELECT 1")).toBe("28P01");
    });

    it("the pool admits the declared reporter (SCRAM passed through), read-only as on the server, in a pool of its own size", async () => {
        expect(await as(out.poolUri, "reporter", out.reporterPassword, "SELECT count(*) FROM orders")).toBe("ok");
        expect(await as(out.poolUri, "reporter", out.reporterPassword, "INSERT INTO orders VALUES (4)")).toBe("42501");
        // PgBouncer ends a failed SCRAM exchange with its own 08P01 ("SASL authentication failed").
        expect(await as(out.poolUri, "reporter", out.reporterPassword.slice(1), "SELECT 1")).toBe("08P01");
        const pools = (await query(out.poolAdminUri, "SHOW POOLS")).filter((r: any) => r.user === "reporter");
        expect(pools.map((r: any) => r.database)).toEqual(["appdb"]);
        const users = (await query(out.poolAdminUri, "SHOW USERS")).find((r: any) => r.name === "reporter");
        expect(Number(users.pool_size)).toBe(2);
    });

    it("the cluster's own roles and databases: the auditor owns its database, and the pool admits it with its pool size", async () => {
        expect(out.auditOwner).toBe("auditor");
        const audit = new URL(out.appUri);
        audit.pathname = "/audit";
        expect(await as(audit.toString(), "auditor", out.auditorPassword, "CREATE TABLE entries (id int)")).toBe("ok");
        expect(await as(out.poolUri, "auditor", out.auditorPassword, "SELECT 1")).toBe("ok");
        const users = (await query(out.poolAdminUri, "SHOW USERS")).find((r: any) => r.name === "auditor");
        expect(Number(users.pool_size)).toBe(1);
    });

    it("revokes a privilege granted by hand on the next up, and previews an unchanged stack as no change", async () => {
        await query(out.adminUri, "GRANT INSERT ON orders TO readers");
        expect(await as(out.appUri, "reporter", out.reporterPassword, "INSERT INTO orders VALUES (3)")).toBe("ok");
        const up = await stack!.up(quiet);
        expect(up.summary.resourceChanges).toMatchObject({ update: 1 });
        expect(await as(out.appUri, "reporter", out.reporterPassword, "INSERT INTO orders VALUES (4)")).toBe("42501");
        const pv = await stack!.preview(quiet);
        expect(Object.keys(pv.changeSummary).filter((k) => k !== "same")).toEqual([]);
    });

    it("changes a role in place, keeping its password", async () => {
        await stack!.setConfig("reporterLimit", { value: "3" });
        const up = await stack!.up(quiet);
        expect(up.summary.resourceChanges).toMatchObject({ update: 1 });
        expect(await query(out.adminUri, "SELECT rolconnlimit AS l FROM pg_roles WHERE rolname = 'reporter'")).toEqual([{ l: 3 }]);
        expect(await as(out.appUri, "reporter", out.reporterPassword, "SELECT 1")).toBe("ok");
    });

    it("destroys everything it created", async () => {
        const down = await stack!.destroy(quiet);
        expect(down.summary.result).toBe("succeeded");
        expect(dockerObjectsOfStack(name)).toEqual({ containers: [], networks: [], volumes: [] });
    });
});
