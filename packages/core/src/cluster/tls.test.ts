import { X509Certificate, createPrivateKey, generateKeyPairSync } from "crypto";
import * as tls from "tls";
import { AddressInfo } from "net";
import * as forge from "node-forge";
import { crossSignCa, generateCa, generateKeyPem, generateServerCert } from "./tls";

describe("generated certificates", () => {
    it("signs with a key given (generateKeyPem), for the CA and a server alike", () => {
        const [caKey, serverKey] = [generateKeyPem(), generateKeyPem()];
        const ca = generateCa("given CA", { keyPem: caKey });
        const server = generateServerCert(ca, { commonName: "pg-0", dnsNames: ["pg-0"], ipAddresses: [], keyPem: serverKey });
        expect([ca.keyPem, server.keyPem]).toEqual([caKey, serverKey]);
        const cert = new X509Certificate(server.certPem);
        expect(cert.checkPrivateKey(createPrivateKey(serverKey))).toBe(true);
        expect(cert.verify(new X509Certificate(ca.certPem).publicKey)).toBe(true);
        expect(new X509Certificate(ca.certPem).checkPrivateKey(createPrivateKey(caKey))).toBe(true);
    });

    it("makes ECDSA P-256 keys, in well under the RSA 2048 key's tenth of a second", () => {
        const t0 = process.hrtime.bigint();
        const key = createPrivateKey(generateKeyPem());
        expect(Number(process.hrtime.bigint() - t0) / 1e6).toBeLessThan(50);
        expect([key.asymmetricKeyType, key.asymmetricKeyDetails?.namedCurve]).toEqual(["ec", "prime256v1"]);
    });

    const now = new Date("2026-01-01T00:00:00Z");
    const ca = generateCa("pgscale test CA", { now });
    const server = generateServerCert(ca, { commonName: "pg-0", dnsNames: ["pg-0", "localhost"], ipAddresses: ["127.0.0.1"], now });
    const caX = new X509Certificate(ca.certPem);
    const serverX = new X509Certificate(server.certPem);

    it("makes a self-signed CA", () => {
        expect(caX.ca).toBe(true);
        expect(caX.subject).toBe("CN=pgscale test CA");
        expect(caX.checkIssued(caX)).toBe(true);
        expect(caX.verify(caX.publicKey)).toBe(true);
        expect(new Date(caX.validTo).getTime() - now.getTime()).toBeGreaterThan(3649 * 86400_000);
    });

    it("names a CA in a UTF8String, which may hold a rotated CA's '#' (Go's parser, etcd's, refuses it in a PrintableString)", () => {
        const rotated = generateCa("pgscale test CA #1", { now });
        // The common name's ASN.1 string type and value, in a certificate's issuer (3) or subject (5).
        const cn = (pem: string, field: 3 | 5) => {
            const kids = (a: forge.asn1.Asn1) => a.value as forge.asn1.Asn1[];
            const tbs = kids(kids(forge.asn1.fromDer(new X509Certificate(pem).raw.toString("binary")))[0]);
            const [, value] = kids(kids(kids(tbs[field])[0])[0]);
            return { value: value.value, tag: value.type };
        };
        expect(cn(rotated.certPem, 5)).toEqual({ value: "pgscale test CA #1", tag: forge.asn1.Type.UTF8 });
        // A leaf's issuer is the CA's subject as encoded, byte for byte (chains are built on it).
        expect(cn(generateServerCert(rotated, { commonName: "m", dnsNames: ["m"], ipAddresses: [], now }).certPem, 3)).toEqual({ value: "pgscale test CA #1", tag: forge.asn1.Type.UTF8 });
        expect(new X509Certificate(generateServerCert(rotated, { commonName: "m", dnsNames: ["m"], ipAddresses: [], now }).certPem).checkIssued(new X509Certificate(rotated.certPem))).toBe(true);
    });

    it("signs server certificates with the CA, for every name and address given", () => {
        expect(serverX.ca).toBe(false);
        expect(serverX.checkIssued(caX)).toBe(true);
        expect(serverX.verify(caX.publicKey)).toBe(true);
        expect(serverX.subjectAltName).toBe("DNS:pg-0, DNS:localhost, IP Address:127.0.0.1");
        expect(serverX.checkHost("pg-0")).toBe("pg-0");
        expect(serverX.checkHost("pg-1")).toBeUndefined();
        expect(serverX.checkIP("127.0.0.1")).toBe("127.0.0.1");
        expect(serverX.keyUsage).toEqual(["1.3.6.1.5.5.7.3.1"]); // serverAuth
        expect(new Date(serverX.validFrom).getTime()).toBeLessThan(now.getTime()); // skew allowance
    });

    /** The DER value of extension `oid` of a certificate (forge parses any key's certificate as ASN.1). */
    const extension = (x: X509Certificate, oid: string): forge.asn1.Asn1 => {
        const kids = (a: forge.asn1.Asn1) => a.value as forge.asn1.Asn1[];
        const tbs = kids(forge.asn1.fromDer(x.raw.toString("binary")))[0];
        const exts = kids(kids(kids(tbs).find((a) => a.tagClass === forge.asn1.Class.CONTEXT_SPECIFIC && a.type === 3)!)[0]).map(kids);
        const e = exts.find((v) => forge.asn1.derToOid(v[0].value as string) === oid)!;
        return forge.asn1.fromDer(e[e.length - 1].value as string);
    };
    const signatureOid = (x: X509Certificate) => forge.asn1.derToOid(((forge.asn1.fromDer(x.raw.toString("binary")).value as forge.asn1.Asn1[])[1].value as forge.asn1.Asn1[])[0].value as string);

    it("signs with the CA's key by its type: ecdsa-with-SHA256, or sha256WithRSAEncryption for an RSA CA made before", () => {
        expect(signatureOid(serverX)).toBe("1.2.840.10045.4.3.2");
        const rsaKey = generateKeyPairSync("rsa", { modulusLength: 2048 }).privateKey.export({ type: "pkcs8", format: "pem" }).toString();
        const rsaCa = generateCa("an RSA CA", { keyPem: rsaKey, now });
        const leaf = new X509Certificate(generateServerCert(rsaCa, { commonName: "pg-0", dnsNames: ["pg-0"], ipAddresses: [], now }).certPem);
        expect(leaf.verify(new X509Certificate(rsaCa.certPem).publicKey)).toBe(true);
        expect(leaf.checkIssued(new X509Certificate(rsaCa.certPem))).toBe(true);
        expect(signatureOid(leaf)).toBe("1.2.840.113549.1.1.11");
        // forge's own parser reads and verifies an RSA CA made this way, as it did before.
        const parsed = forge.pki.certificateFromPem(rsaCa.certPem);
        expect(parsed.verify(parsed)).toBe(true);
        // Its rotation: a new (ECDSA) CA, cross-signed by the RSA one, with RSA.
        const next = generateCa("an RSA CA #1", { now });
        const cross = new X509Certificate(crossSignCa(rsaCa, next.certPem, { now }));
        expect([cross.verify(new X509Certificate(rsaCa.certPem).publicKey), signatureOid(cross), cross.publicKey.asymmetricKeyType]).toEqual([true, "1.2.840.113549.1.1.11", "ec"]);
    });

    it("identifies keys as RFC 5280 says: a leaf's authority key identifier is its CA's subject key identifier", () => {
        const ski = extension(caX, "2.5.29.14").value as string;
        expect(ski).toHaveLength(20);
        expect((extension(serverX, "2.5.29.35").value as forge.asn1.Asn1[])[0].value).toBe(ski);
        // A cross-signed CA keeps its own identifier and names its issuer's.
        const next = generateCa("pgscale test CA #1", { now });
        const cross = new X509Certificate(crossSignCa(ca, next.certPem, { now }));
        expect(extension(cross, "2.5.29.14").value).toBe(extension(new X509Certificate(next.certPem), "2.5.29.14").value);
        expect((extension(cross, "2.5.29.35").value as forge.asn1.Asn1[])[0].value).toBe(ski);
        expect(cross.verify(caX.publicKey)).toBe(true);
        expect(cross.subject).toBe("CN=pgscale test CA #1");
        expect(cross.checkIssued(caX)).toBe(true);
        expect(cross.ca).toBe(true);
    });

    it("pairs each certificate with its own private key in PEM", () => {
        expect(serverX.checkPrivateKey(createPrivateKey(server.keyPem))).toBe(true);
        expect(caX.checkPrivateKey(createPrivateKey(ca.keyPem))).toBe(true);
        expect(serverX.checkPrivateKey(createPrivateKey(ca.keyPem))).toBe(false);
        expect(serverX.serialNumber).not.toBe(caX.serialNumber);
    });

    it("passes a full verification (verify-full) in a TLS handshake on loopback, by name and by IP", async () => {
        const current = generateServerCert(ca, { commonName: "pg-0", dnsNames: ["localhost"], ipAddresses: ["127.0.0.1"] });
        const srv = tls.createServer({ key: current.keyPem, cert: current.certPem }, (s) => s.end());
        await new Promise<void>((r) => srv.listen(0, "127.0.0.1", r));
        const port = (srv.address() as AddressInfo).port;
        const handshake = (servername: string | undefined, caPem: string) =>
            new Promise<string>((resolve) => {
                const s = tls.connect({ host: "127.0.0.1", port, ca: caPem, servername, rejectUnauthorized: true }, () => {
                    resolve("ok");
                    s.destroy();
                });
                s.on("error", (e: NodeJS.ErrnoException) => resolve(e.code ?? e.message));
            });
        try {
            expect(await handshake("localhost", ca.certPem)).toBe("ok");
            expect(await handshake(undefined, ca.certPem)).toBe("ok"); // the IP SAN
            expect(await handshake("pg-9", ca.certPem)).toBe("ERR_TLS_CERT_ALTNAME_INVALID");
            expect(await handshake("localhost", generateCa("another CA").certPem)).toMatch(/UNABLE_TO_VERIFY|SELF_SIGNED/);
        } finally {
            srv.close();
        }
    });

    it("refuses a server certificate with no name", () => {
        expect(() => generateServerCert(ca, { commonName: "x", dnsNames: [], ipAddresses: [] })).toThrow(/at least one/);
    });
});
