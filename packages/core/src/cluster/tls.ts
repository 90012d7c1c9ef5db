import { createPrivateKey, createPublicKey, generateKeyPair, generateKeyPairSync, KeyObject, randomBytes } from "crypto";
import * as forge from "node-forge";
// Not in this module's exports: a forge type in a declaration would make every consumer's
// type-check need @types/node-forge.
import { signCertificate } from "./tls-sign";

// X.509 for TLS between clients and PostgreSQL/PgBouncer: a private CA per stack and one server
// certificate per endpoint. Node's crypto parses and verifies certificates but cannot issue
// them, so node-forge builds the certificate (DER and its SHA-256 digest); keys come from Node's
// own RSA generator and Node signs (forge's big-integer RSA in JavaScript took most of a
// certificate's time, and blocked the provider's event loop meanwhile).
// No I/O: the caller decides where keys live (pgscale keeps them as Pulumi secrets).

export interface PemPair {
    certPem: string;
    keyPem: string;
}

export interface CertOptions {
    /** Validity start; default now. Certificates are valid from an hour earlier to absorb clock skew. */
    now?: Date;
    /** Days of validity (fractions allowed). Default: 3650 for the CA, 825 for server certificates. */
    validDays?: number;
    /** The certificate's private key (PKCS#8 PEM, RSA), e.g. from generateRsaKeyPem. Default: a new one, generated here. */
    keyPem?: string;
}

export interface ServerCertOptions extends CertOptions {
    commonName: string;
    /** Subject alternative names: DNS names (container names, Service names, localhost). */
    dnsNames: string[];
    /** Subject alternative names: IP addresses (127.0.0.1 for published ports). */
    ipAddresses: string[];
    /** Also valid as a client certificate (etcd peers authenticate each other with theirs). Default false. */
    clientAuth?: boolean;
}

const HOUR_MS = 3600_000;
const DAY_MS = 24 * HOUR_MS;
/** Certificates are backdated by this much (notBefore) to absorb clock skew between hosts. */
export const CERT_SKEW_MS = HOUR_MS;

/**
 * A new RSA 2048 private key (PKCS#8 PEM) made on libuv's thread pool: several at once use every
 * core, and the event loop stays free meanwhile. Generated in place (no `keyPem`), each key blocks
 * the process for its ~0.1 s, and with it every other resource a provider process is handling.
 */
export function generateRsaKeyPem(): Promise<string> {
    return new Promise((resolve, reject) => generateKeyPair("rsa", { modulusLength: 2048 }, (err, _publicKey, privateKey) =>
        (err ? reject(err) : resolve(privateKey.export({ type: "pkcs8", format: "pem" }).toString()))));
}

function rsaKey(given?: string): { privateKey: KeyObject; publicKey: forge.pki.rsa.PublicKey; keyPem: string } {
    const { privateKey, publicKey } = given !== undefined
        ? (() => { const k = createPrivateKey(given); return { privateKey: k, publicKey: createPublicKey(k) }; })()
        : generateKeyPairSync("rsa", { modulusLength: 2048 });
    const keyPem = given ?? privateKey.export({ type: "pkcs8", format: "pem" }).toString();
    // The public half for forge's certificate, from Node's key (no PEM parse in JavaScript).
    const jwk = publicKey.export({ format: "jwk" });
    const big = (b64url: string) => new forge.jsbn.BigInteger(Buffer.from(b64url, "base64url").toString("hex"), 16);
    return { privateKey, publicKey: forge.pki.setRsaPublicKey(big(jwk.n!), big(jwk.e!)), keyPem };
}


function baseCert(publicKey: forge.pki.PublicKey, o: CertOptions, defaultDays: number): forge.pki.Certificate {
    const cert = forge.pki.createCertificate();
    cert.publicKey = publicKey;
    // A positive 128-bit serial (the high bit cleared keeps the DER integer positive).
    const serial = randomBytes(16);
    serial[0] &= 0x7f;
    cert.serialNumber = serial.toString("hex");
    const now = (o.now ?? new Date()).getTime();
    cert.validity.notBefore = new Date(now - CERT_SKEW_MS);
    cert.validity.notAfter = new Date(now + (o.validDays ?? defaultDays) * DAY_MS);
    return cert;
}

/** A self-signed CA that signs the stack's server certificates. */
export function generateCa(commonName: string, o: CertOptions = {}): PemPair {
    const key = rsaKey(o.keyPem);
    const cert = baseCert(key.publicKey, o, 3650);
    // UTF8String, not forge's default PrintableString: a rotated CA's name has a '#' ("... CA #1"),
    // which PrintableString does not allow, and Go's parser (etcd's) refuses such a certificate.
    // (forge reads `valueTagClass` as the value's ASN.1 type; its typings call it a class.)
    const subject = [{ name: "commonName", value: commonName, valueTagClass: forge.asn1.Type.UTF8 as unknown as forge.asn1.Class }];
    cert.setSubject(subject);
    cert.setIssuer(subject);
    cert.setExtensions([
        { name: "basicConstraints", cA: true, critical: true },
        { name: "keyUsage", keyCertSign: true, cRLSign: true, critical: true },
        { name: "subjectKeyIdentifier" },
    ]);
    signCertificate(cert, key.privateKey);
    return { certPem: forge.pki.certificateToPem(cert), keyPem: key.keyPem };
}

/**
 * `subjectCaPem`'s CA, cross-signed by `issuer`: the same subject, public key and key identifier,
 * vouched for by the issuing CA. Served after a leaf of the new CA, it lets a client that trusts
 * only `issuer` build a chain to it (leaf, this certificate, `issuer`), while a client that trusts
 * the new CA stops at the new CA. Valid while both CAs are.
 */
export function crossSignCa(issuer: PemPair, subjectCaPem: string, o: { now?: Date } = {}): string {
    const subject = forge.pki.certificateFromPem(subjectCaPem);
    const issuerCert = forge.pki.certificateFromPem(issuer.certPem);
    const cert = baseCert(subject.publicKey, { now: o.now }, 0);
    const ends = Math.min(subject.validity.notAfter.getTime(), issuerCert.validity.notAfter.getTime());
    cert.validity.notAfter = new Date(ends);
    cert.setSubject(subject.subject.attributes);
    cert.setIssuer(issuerCert.subject.attributes);
    cert.setExtensions([
        { name: "basicConstraints", cA: true, critical: true },
        { name: "keyUsage", keyCertSign: true, cRLSign: true, critical: true },
        { name: "subjectKeyIdentifier" },
        { name: "authorityKeyIdentifier", keyIdentifier: issuerCert.generateSubjectKeyIdentifier().getBytes() },
    ]);
    signCertificate(cert, createPrivateKey(issuer.keyPem));
    return forge.pki.certificateToPem(cert);
}

/** A server certificate signed by `ca`, valid for every name and address a client may dial. */
export function generateServerCert(ca: PemPair, o: ServerCertOptions): PemPair {
    if (o.dnsNames.length + o.ipAddresses.length === 0) throw new Error("a server certificate needs at least one DNS name or IP address");
    const caCert = forge.pki.certificateFromPem(ca.certPem);
    const caKey = createPrivateKey(ca.keyPem);
    const key = rsaKey(o.keyPem);
    const cert = baseCert(key.publicKey, o, 825);
    cert.setSubject([{ name: "commonName", value: o.commonName }]);
    cert.setIssuer(caCert.subject.attributes);
    cert.setExtensions([
        { name: "basicConstraints", cA: false, critical: true },
        { name: "keyUsage", digitalSignature: true, keyEncipherment: true, critical: true },
        { name: "extKeyUsage", serverAuth: true, ...(o.clientAuth ? { clientAuth: true } : {}) },
        {
            name: "subjectAltName",
            altNames: [...o.dnsNames.map((value) => ({ type: 2, value })), ...o.ipAddresses.map((ip) => ({ type: 7, ip }))],
        },
        { name: "subjectKeyIdentifier" },
        { name: "authorityKeyIdentifier", keyIdentifier: caCert.generateSubjectKeyIdentifier().getBytes() },
    ]);
    signCertificate(cert, caKey);
    return { certPem: forge.pki.certificateToPem(cert), keyPem: key.keyPem };
}
