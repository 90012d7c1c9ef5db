import { postgresVersionGuardProvider as provider } from "./version-guard";

const check = (news: object) => provider.check!({}, news);

describe("PostgresVersionGuard", () => {
    it("accepts the major the cluster was initialised with", async () => {
        expect((await check({ subject: "PatroniCluster main", version: 17, bootstrapVersion: 17 })).failures).toBeUndefined();
    });

    it("refuses another major at check (preview), naming postgresVersion and saying nothing was touched", async () => {
        // A state from before postgresVersion: the cluster's bootstrap note is absent, so it was 15.
        const res = await check({ subject: "PatroniCluster main", version: 17, bootstrapVersion: 15 });
        expect(res.failures).toEqual([{
            property: "version",
            reason: expect.stringMatching(/^PatroniCluster main: postgresVersion: changing 15 to 17 on an existing cluster is a major upgrade, which pgscale does not support yet; nothing was touched/),
        }]);
    });

    it("lets a new cluster through while its bootstrap record is not known yet (preview)", async () => {
        const unknown = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";
        expect((await check({ subject: "PatroniCluster main", version: 17, bootstrapVersion: unknown })).failures).toBeUndefined();
    });
});
