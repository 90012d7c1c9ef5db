import { X509Certificate, createPrivateKey } from "crypto";
import * as tls from "tls";
import { AddressInfo } from "net";
import * as forge from "node-forge";
import { generateCa, generateRsaKeyPem, generateServerCert } from "./tls";
import { signCertificate } from "./tls-sign";

describe("generated certificates", () => {
    it("signs with a key made beforehand off the event loop (generateRsaKeyPem), for the CA and a server alike", async () => {
        const [caKey, serverKey] = await Promise.all([generateRsaKeyPem(), generateRsaKeyPem()]);
        const ca = generateCa("given CA", { keyPem: caKey });
        const server = generateServerCert(ca, { commonName: "pg-0", dnsNames: ["pg-0"], ipAddresses: [], keyPem: serverKey });
        expect([ca.keyPem, server.keyPem]).toEqual([caKey, serverKey]);
        const cert = new X509Certificate(server.certPem);
        expect(cert.checkPrivateKey(createPrivateKey(serverKey))).toBe(true);
        expect(cert.verify(new X509Certificate(ca.certPem).publicKey)).toBe(true);
        expect(new X509Certificate(ca.certPem).checkPrivateKey(createPrivateKey(caKey))).toBe(true);
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
        const cn = (pem: string) => forge.pki.certificateFromPem(pem).subject.getField("CN");
        expect({ value: cn(rotated.certPem).value, tag: cn(rotated.certPem).valueTagClass }).toEqual({ value: "pgscale test CA #1", tag: forge.asn1.Type.UTF8 });
        // A leaf's issuer is the CA's subject as encoded, byte for byte (chains are built on it).
        const leaf = forge.pki.certificateFromPem(generateServerCert(rotated, { commonName: "m", dnsNames: ["m"], ipAddresses: [], now }).certPem);
        expect(leaf.issuer.getField("CN").valueTagClass).toBe(forge.asn1.Type.UTF8);
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

    it("signs with Node's RSA exactly as forge's own RSA would (PKCS#1 v1.5 signatures are deterministic)", () => {
        const cert = forge.pki.certificateFromPem(server.certPem);
        signCertificate(cert, createPrivateKey(ca.keyPem));
        const ours = cert.signature as string;
        cert.sign(forge.pki.privateKeyFromPem(ca.keyPem), forge.md.sha256.create());
        expect(Buffer.from(ours, "binary").toString("hex")).toBe(Buffer.from(cert.signature as string, "binary").toString("hex"));
        // And that is the signature the certificate carries: the same TBS, the same key.
        expect(Buffer.from(ours, "binary").equals(Buffer.from(serverX.raw.subarray(serverX.raw.length - 256)))).toBe(true);
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
