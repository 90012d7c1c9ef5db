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

    it("stores the rotation outputs of a CA never rotated as empty, so previews know them; a state without them gets them once, certificates kept", async () => {
        const { outs } = await provider.create!({ commonName: "c", servers });
        // Pulumi shows an output the state lacks as unknown in a preview: the trust bundle would be.
        expect([outs.previousCaCertPem, outs.caCrossCertPem]).toEqual(["", ""]);
        expect(await provider.diff!("id", outs, { commonName: "c", servers })).toMatchObject({ changes: false });
        const { previousCaCertPem: _p, caCrossCertPem: _c, ...before } = outs;
        expect(await provider.diff!("id", before, { commonName: "c", servers })).toMatchObject({ changes: true, replaces: [] });
        const { outs: stored } = await provider.update!("id", before, { commonName: "c", servers });
        expect(stored).toEqual(outs);
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

    it("signs with a given CA, and issues every certificate anew (an update) when that CA changes", async () => {
        const { outs: cluster } = await provider.create!({ commonName: "c", servers });
        const ca = { certPem: cluster.caCertPem, keyPem: cluster.caKeyPem };
        const { outs: pool } = await provider.create!({ commonName: "p", servers: { pool: { dnsNames: ["pool"], ipAddresses: [] } }, ca });
        expect(pool.caCertPem).toBe(cluster.caCertPem);
        expect(new X509Certificate(pool.certs.pool.certPem).checkIssued(new X509Certificate(cluster.caCertPem))).toBe(true);
        const { outs: other } = await provider.create!({ commonName: "o", servers });
        const rotated = { commonName: "p", servers: pool.servers, ca: { certPem: other.caCertPem, keyPem: other.caKeyPem, chainPem: "CROSS\n" } };
        expect(await provider.diff!("id", pool, rotated)).toMatchObject({ changes: true, replaces: [] });
        const { outs } = await provider.update!("id", pool, rotated);
        // The leaf alone: "CROSS" stands in for the cross-signed CA and is no certificate for OpenSSL to read.
        expect(outs.certs.pool.certPem.endsWith("CROSS\n")).toBe(true); // served with the cross-signed CA after it
        expect(new X509Certificate(outs.certs.pool.certPem.slice(0, -"CROSS\n".length)).checkIssued(new X509Certificate(other.caCertPem))).toBe(true);
        expect(outs.certs.pool.keyPem).not.toBe(pool.certs.pool.keyPem);
        // Signing with a CA instead of generating one is another resource.
        expect(await provider.diff!("id", pool, { commonName: "p", servers: pool.servers })).toMatchObject({ changes: true, replaces: ["ca"] });
    });

    describe("CA rotation (caGeneration, renewBeforeFraction)", () => {
        const subjects = (bundle: string) => (bundle.match(/-----BEGIN CERTIFICATE-----[^-]+-----END CERTIFICATE-----/g) ?? []).map((p) => new X509Certificate(p).subject);

        it("rotates a generated CA when caGeneration goes up: a new CA that the old one cross-signs, the old one kept once", async () => {
            const ins = { commonName: "c", servers };
            const { outs: created } = await provider.create!(ins);
            // A state from before rotation (no generation) against an input of 0: nothing to do.
            expect(await provider.diff!("id", created, { ...ins, caGeneration: 0 })).toMatchObject({ changes: false });
            expect(await provider.diff!("id", created, { ...ins, caGeneration: 1 })).toMatchObject({ changes: true, replaces: [] });
            const { outs: first } = await provider.update!("id", created, { ...ins, caGeneration: 1 });
            expect(subjects(first.caCertPem)).toEqual(["CN=c #1"]);
            expect(first.previousCaCertPem).toBe(created.caCertPem);
            const cross = new X509Certificate(first.caCrossCertPem);
            expect({ subject: cross.subject, issuer: cross.issuer, signed: cross.verify(new X509Certificate(created.caCertPem).publicKey) })
                .toEqual({ subject: "CN=c #1", issuer: "CN=c", signed: true });
            // The servers' certificates: from the new CA, served with the cross-signed one after them.
            expect(subjects(first.certs["pg-0"].certPem)).toEqual(["CN=pg-0", "CN=c #1"]);
            expect(new X509Certificate(first.certs["pg-0"].certPem).checkIssued(new X509Certificate(first.caCertPem))).toBe(true);
            expect(await provider.diff!("id", first, { ...ins, caGeneration: 1 })).toMatchObject({ changes: false });
            // The next rotation drops the original CA.
            const { outs: second } = await provider.update!("id", first, { ...ins, caGeneration: 2 });
            expect({ ca: subjects(second.caCertPem), previous: second.previousCaCertPem, rotations: second.caRotations }).toEqual({ ca: ["CN=c #2"], previous: first.caCertPem, rotations: 2 });
            // The counter never goes down.
            await expect(provider.diff!("id", second, { ...ins, caGeneration: 1 })).rejects.toThrow(/tls.caGeneration is 1, but the CA was last rotated for generation 2/);
        });

        it("rotates a CA past its renewal point, and never a given one", async () => {
            const { outs } = await provider.create!({ commonName: "c", servers: {}, renewBeforeFraction: 0.999999999 });
            // 1e-9 of 3650 days is ~0.3 s.
            await new Promise((r) => setTimeout(r, 600));
            expect(await provider.diff!("id", outs, { commonName: "c", servers: {}, renewBeforeFraction: 0.999999999 })).toMatchObject({ changes: true });
            expect(await provider.diff!("id", outs, { commonName: "c", servers: {} })).toMatchObject({ changes: false });
            // caRenewal: false (Kubernetes): the fraction renews server certificates only.
            expect(await provider.diff!("id", outs, { commonName: "c", servers: {}, renewBeforeFraction: 0.999999999, caRenewal: false })).toMatchObject({ changes: false });
            const ca = { certPem: outs.caCertPem, keyPem: outs.caKeyPem };
            const { outs: signed } = await provider.create!({ commonName: "p", servers: {}, ca, renewBeforeFraction: 0.999999999, caGeneration: 5 });
            expect(await provider.diff!("id", signed, { commonName: "p", servers: {}, ca, renewBeforeFraction: 0.999999999, caGeneration: 5 })).toMatchObject({ changes: false });
        });
    });

    describe("renewal (renewBeforeFraction)", () => {
        // A 6-second lifetime renewed in its last half: due 3 s after issue.
        const short = { "pg-0": { ...servers["pg-0"], validDays: 6 / 86400 }, "pg-1": { dnsNames: ["pg-1"], ipAddresses: [], validDays: 90 } };
        const serial = (pem: string) => new X509Certificate(pem).serialNumber;

        it("shows no change before the renewal point, and renews only the certificates past it, keeping the CA", async () => {
            const news = { commonName: "c", servers: short, renewBeforeFraction: 0.5 };
            const { outs: olds } = await provider.create!(news);
            expect(await provider.diff!("id", olds, news)).toMatchObject({ changes: false });
            await new Promise((r) => setTimeout(r, 4000));
            expect(await provider.diff!("id", olds, news)).toMatchObject({ changes: true, replaces: [] });
            const { outs } = await provider.update!("id", olds, news);
            expect(outs.caCertPem).toBe(olds.caCertPem);
            expect(outs.certs["pg-1"]).toEqual(olds.certs["pg-1"]);
            expect(serial(outs.certs["pg-0"].certPem)).not.toBe(serial(olds.certs["pg-0"].certPem));
            expect(outs.certs["pg-0"].keyPem).not.toBe(olds.certs["pg-0"].keyPem);
            const renewed = new X509Certificate(outs.certs["pg-0"].certPem);
            expect(renewed.checkIssued(new X509Certificate(olds.caCertPem))).toBe(true);
            expect(renewed.subjectAltName).toBe("DNS:pg-0, DNS:localhost, IP Address:127.0.0.1");
            expect(await provider.diff!("id", outs, news)).toMatchObject({ changes: false });
        });

        it("with caRenewal false, renews a certificate past its point and keeps a CA past its own", async () => {
            // The CA is due 0.3 s after issue (1e-9 of 3650 days), pg-0 3 s after.
            const news = { commonName: "c", servers: { "pg-0": short["pg-0"] }, renewBeforeFraction: 0.999999999, caRenewal: false };
            const { outs: olds } = await provider.create!(news);
            await new Promise((r) => setTimeout(r, 3500));
            const { outs } = await provider.update!("id", olds, news);
            expect(outs.caCertPem).toBe(olds.caCertPem);
            expect(serial(outs.certs["pg-0"].certPem)).not.toBe(serial(olds.certs["pg-0"].certPem));
        });

        it("never renews without a fraction (etcd's certificates), and a new fraction alone changes nothing", async () => {
            const { outs: olds } = await provider.create!({ commonName: "c", servers: short });
            await new Promise((r) => setTimeout(r, 4000));
            expect(await provider.diff!("id", olds, { commonName: "c", servers: short })).toMatchObject({ changes: false });
            const { outs } = await provider.create!({ commonName: "c", servers: { "pg-1": short["pg-1"] }, renewBeforeFraction: 0.5 });
            expect(await provider.diff!("id", outs, { commonName: "c", servers: { "pg-1": short["pg-1"] }, renewBeforeFraction: 0.25 })).toMatchObject({ changes: false });
        });
    });
});
