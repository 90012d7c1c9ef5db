import { postgresVersionGuardProvider as provider } from "./version-guard";

const check = (news: object) => provider.check!({}, news);

const UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9"; // what a preview passes for an unknown input
const record = "first-value-mx7abc";

describe("PostgresVersionGuard", () => {
    it("accepts the major the cluster was initialised with", async () => {
        expect((await check({ subject: "PatroniCluster main", version: 17, bootstrapVersion: 17, bootstrapRecord: record })).failures).toBeUndefined();
    });

    it("refuses another major at check (preview) where the platform cannot upgrade, naming postgresVersion and saying nothing was touched", async () => {
        const res = await check({ subject: "PatroniCluster main", version: 17, bootstrapVersion: 15, bootstrapRecord: record });
        expect(res.failures).toEqual([{
            property: "version",
            reason: expect.stringMatching(/^PatroniCluster main: postgresVersion: changing 15 to 17 on an existing cluster is a major upgrade, which pgscale does on Docker only so far; nothing was touched/),
        }]);
    });

    it("lets an upgrade through where the platform upgrades in place, and refuses a downgrade there too", async () => {
        expect((await check({ subject: "PatroniCluster main", version: 17, bootstrapVersion: 15, bootstrapRecord: record, upgradable: true })).failures).toBeUndefined();
        const down = await check({ subject: "PatroniCluster main", version: 15, bootstrapVersion: 17, bootstrapRecord: record, upgradable: true });
        expect(down.failures?.[0].reason).toMatch(/^PatroniCluster main: postgresVersion: changing 17 to 15 is a downgrade, which PostgreSQL cannot do in place; nothing was touched/);
        // Never from a default: the program must name the major it upgrades to.
        const defaulted = await check({ subject: "PatroniCluster main", version: 17, versionGiven: false, bootstrapVersion: 15, bootstrapRecord: record, upgradable: true });
        expect(defaulted.failures?.[0].reason).toMatch(/Add postgresVersion: 15 to keep the cluster on 15, or postgresVersion: 17 to upgrade it in place/);
    });

    it("refuses 17 in the preview of a cluster whose record predates the note (its note previews as unknown): it is 15", async () => {
        const res = await check({ subject: "PatroniCluster main", version: 17, bootstrapVersion: UNKNOWN, bootstrapRecord: record });
        expect(res.failures?.[0].reason).toMatch(/postgresVersion: changing 15 to 17 on an existing cluster is a major upgrade, which pgscale does on Docker only so far/);
        expect((await check({ subject: "PatroniCluster main", version: 15, bootstrapVersion: UNKNOWN, bootstrapRecord: record })).failures).toBeUndefined();
    });

    it("tells a program that names no major (the default moved to 17) how to keep its 15 cluster", async () => {
        const res = await check({ subject: "PatroniCluster main", version: 17, versionGiven: false, bootstrapVersion: 15, bootstrapRecord: record });
        expect(res.failures?.[0].reason).toBe("PatroniCluster main: postgresVersion: this cluster runs PostgreSQL 15 and its program sets no postgresVersion, " +
            "whose default is now 17; nothing was touched. Add postgresVersion: 15 to keep the cluster on 15.");
        expect((await check({ subject: "PatroniCluster main", version: 17, versionGiven: false, bootstrapVersion: UNKNOWN, bootstrapRecord: record })).failures?.[0].reason)
            .toMatch(/runs PostgreSQL 15 and its program sets no postgresVersion/);
    });

    it("lets a new cluster through while its bootstrap record is being created (preview)", async () => {
        expect((await check({ subject: "PatroniCluster main", version: 17, bootstrapVersion: UNKNOWN, bootstrapRecord: UNKNOWN })).failures).toBeUndefined();
    });
});
