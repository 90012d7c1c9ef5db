import { X509Certificate } from "crypto";
import { generatedTlsProvider as provider } from "./generated-tls";

// The provider's methods run here directly (the engine calls the same ones); Pulumi mocks are not needed.
const servers = { "pg-0": { dnsNames: ["pg-0", "localhost"], ipAddresses: ["127.0.0.1"] } };

describe("GeneratedTls provider", () => {
    it("creates a CA and a certificate per server, signed by it", async () => {
        const { outs } = await provider.create!({ commonName: "pgscale test CA", servers });
        const ca = new X509Certificate(outs.caCertPem);
        const cert = new X509Certificate(outs.certs["pg-0"].certPem);
        expect(ca.subject).toBe("CN=pgscale test CA");
        expect(cert.checkIssued(ca) && cert.verify(ca.publicKey)).toBe(true);
        expect(cert.subjectAltName).toBe("DNS:pg-0, DNS:localhost, IP Address:127.0.0.1");
    });

    it("adds a server without touching the CA or the other certificates", async () => {
        const { outs: olds } = await provider.create!({ commonName: "c", servers });
        const news = { commonName: "c", servers: { ...servers, "pg-1": { dnsNames: ["pg-1"], ipAddresses: [] } } };
        expect(await provider.diff!("id", olds, news)).toMatchObject({ changes: true, replaces: [] });
        const { outs } = await provider.update!("id", olds, news);
        expect(outs.caCertPem).toBe(olds.caCertPem);
        expect(outs.certs["pg-0"]).toEqual(olds.certs["pg-0"]);
        expect(new X509Certificate(outs.certs["pg-1"].certPem).checkIssued(new X509Certificate(olds.caCertPem))).toBe(true);
        expect(await provider.diff!("id", outs, news)).toMatchObject({ changes: false });
    });

    it("signs with a given CA, and replaces everything when that CA changes", async () => {
        const { outs: cluster } = await provider.create!({ commonName: "c", servers });
        const ca = { certPem: cluster.caCertPem, keyPem: cluster.caKeyPem };
        const { outs: pool } = await provider.create!({ commonName: "p", servers: { pool: { dnsNames: ["pool"], ipAddresses: [] } }, ca });
        expect(pool.caCertPem).toBe(cluster.caCertPem);
        expect(new X509Certificate(pool.certs.pool.certPem).checkIssued(new X509Certificate(cluster.caCertPem))).toBe(true);
        const { outs: other } = await provider.create!({ commonName: "o", servers });
        expect(await provider.diff!("id", pool, { commonName: "p", servers: pool.servers, ca: { certPem: other.caCertPem, keyPem: other.caKeyPem } }))
            .toMatchObject({ changes: true, replaces: ["ca"] });
    });
});
