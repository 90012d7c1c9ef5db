import { clusterDcsDocument } from "./dcs-document";
import { resolvePatroniCluster } from "./resolve";

const s3 = { endpoint: "seaweed.internal:8333", bucket: "pg-backups", region: "us-east-1", accessKeyId: "AKID", secretAccessKey: "s3cret/key+x" };
const doc = (input: object, scope: string, tlsOn: boolean) => clusterDcsDocument(resolvePatroniCluster(input, "PatroniCluster t"), scope, tlsOn) as any;

describe("clusterDcsDocument", () => {
    it("archives into the stanza named after the scope only with `backup`, and takes the resolved timings and parameters", () => {
        const withBackup = doc({ backup: { repository: { s3 } }, parameters: { work_mem: "8MB" } }, "orders", true);
        expect(withBackup.postgresql.parameters).toMatchObject({ archive_mode: "on", archive_command: "pgbackrest --stanza=orders archive-push %p", work_mem: "8MB" });
        const without = doc({ patroni: { ttl: 20, loopWait: 2, retryTimeout: 5 } }, "orders", true);
        expect(without.postgresql.parameters.archive_mode).toBeUndefined();
        expect([without.ttl, without.loop_wait, without.retry_timeout]).toEqual([20, 2, 5]);
    });

    it("requires TLS in pg_hba when asked, before any rule of the user's", () => {
        const input = { pgHba: ["hostssl app app 10.0.0.0/8 scram-sha-256"] };
        const hba = (tlsOn: boolean) => doc(input, "t", tlsOn).postgresql.pg_hba as string[];
        expect(hba(true).indexOf("hostnossl all all all reject")).toBeLessThan(hba(true).indexOf("hostssl app app 10.0.0.0/8 scram-sha-256"));
        expect(hba(true)).toContain("hostnossl all all all reject");
        expect(hba(false)).not.toContain("hostnossl all all all reject");
    });
});
