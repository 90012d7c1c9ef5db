import { createHash, createPrivateKey, createPublicKey, generateKeyPairSync, KeyObject, randomBytes, sign, X509Certificate } from "crypto";
import * as forge from "node-forge";

// X.509 for TLS between clients and PostgreSQL/PgBouncer, and inside the control plane (etcd,
// Patroni's REST API): a private CA per stack and one server certificate per endpoint. Node's
// crypto makes keys and signs but cannot issue certificates, so node-forge encodes them (ASN.1
// DER); the public key and the signature are Node's, so any key Node holds works.
//
// New keys are ECDSA P-256, as CloudNativePG's: every client and server pgscale runs takes them
// (PostgreSQL, PgBouncer, HAProxy, Patroni, pgBackRest and etcd through OpenSSL or Go, Node's
// pg), a key takes well under a millisecond to make where an RSA 2048 key took 0.05-0.25 s of CPU
// (four or more for every new cluster, while the rest of the cluster waited to start), and each
// TLS handshake costs the server an ECDSA signature instead of an RSA one. RSA keys made before
// (a stack's CA and certificates from an earlier version) keep signing and being served as they are.
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
    /** The certificate's private key (PKCS#8 PEM, ECDSA or RSA). Default: a new ECDSA P-256 key (generateKeyPem). */
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

const { asn1 } = forge;
type Asn1 = forge.asn1.Asn1;
const UNIVERSAL = asn1.Class.UNIVERSAL;
const OID = { ecdsaWithSha256: "1.2.840.10045.4.3.2", sha256WithRsa: "1.2.840.113549.1.1.11", subjectKeyIdentifier: "2.5.29.14", authorityKeyIdentifier: "2.5.29.35" };

/** A new private key (PKCS#8 PEM): ECDSA on P-256. */
export function generateKeyPem(): string {
    return generateKeyPairSync("ec", { namedCurve: "prime256v1" }).privateKey.export({ type: "pkcs8", format: "pem" }).toString();
}

interface Key {
    privateKey: KeyObject;
    keyPem: string;
    /** SubjectPublicKeyInfo, as Node encodes it. */
    spki: Asn1;
    /** RFC 5280's key identifier (method 1), as binary string. */
    keyId: string;
}

function keyOf(given?: string): Key {
    const keyPem = given ?? generateKeyPem();
    const privateKey = createPrivateKey(keyPem);
    if (privateKey.asymmetricKeyType !== "ec" && privateKey.asymmetricKeyType !== "rsa") {
        throw new Error(`a certificate's key must be ECDSA or RSA, not ${privateKey.asymmetricKeyType}`);
    }
    return { privateKey, keyPem, ...publicKeyInfo(createPublicKey(privateKey).export({ type: "spki", format: "der" })) };
}

/** Parsed without decoding BIT STRING contents, so the key's bits re-encode byte for byte. */
const fromDer = (der: string | Buffer): Asn1 => asn1.fromDer(typeof der === "string" ? der : der.toString("binary"), { decodeBitStrings: false } as any);
const children = (a: Asn1): Asn1[] => a.value as Asn1[];

function publicKeyInfo(spkiDer: Buffer): { spki: Asn1; keyId: string } {
    const spki = fromDer(spkiDer);
    // RFC 5280, 4.2.1.2 (1): the SHA-1 of subjectPublicKey's bits (after the unused-bits octet), as
    // forge derived it from RSA keys, so a CA made before keeps its identifier.
    const bits = children(spki)[1].value as string;
    return { spki, keyId: createHash("sha1").update(Buffer.from(bits.slice(1), "binary")).digest("binary") };
}

/** What a certificate contributes to the ones it signs or cross-signs: its name, key and validity. */
interface ParsedCert {
    subject: Asn1;
    spki: Asn1;
    keyId: string;
    notAfter: Date;
}

function parseCert(pem: string): ParsedCert {
    const der = forge.pem.decode(pem)[0].body;
    const tbs = children(children(fromDer(der))[0]);
    const f = tbs[0].tagClass === asn1.Class.CONTEXT_SPECIFIC ? tbs.slice(1) : tbs; // [0] version
    const [, , , , subject, spki] = f; // serial, signature, issuer, validity, subject, key
    const extensions = f.find((a) => a.tagClass === asn1.Class.CONTEXT_SPECIFIC && a.type === 3);
    const ski = extensions && children(children(extensions)[0]).map(children).find((e) => asn1.derToOid(e[0].value as any) === OID.subjectKeyIdentifier);
    const keyId = ski ? (fromDer(ski[ski.length - 1].value as string).value as string) : publicKeyInfo(Buffer.from(asn1.toDer(spki).getBytes(), "binary")).keyId;
    return { subject, spki, keyId, notAfter: new Date(new X509Certificate(pem).validTo) };
}

const sequence = (items: Asn1[]) => asn1.create(UNIVERSAL, asn1.Type.SEQUENCE, true, items);
const octets = (binary: string) => asn1.create(UNIVERSAL, asn1.Type.OCTETSTRING, false, binary);

/** ecdsa-with-SHA256 (no parameters) or sha256WithRSAEncryption (NULL parameters), by the signer's key. */
function signatureAlgorithm(signer: KeyObject): Asn1 {
    return signer.asymmetricKeyType === "ec"
        ? sequence([asn1.create(UNIVERSAL, asn1.Type.OID, false, asn1.oidToDer(OID.ecdsaWithSha256).getBytes())])
        : sequence([asn1.create(UNIVERSAL, asn1.Type.OID, false, asn1.oidToDer(OID.sha256WithRsa).getBytes()), asn1.create(UNIVERSAL, asn1.Type.NULL, false, "")]);
}

const keyIdentifiers = (subjectKeyId: string, authorityKeyId?: string) => [
    { id: OID.subjectKeyIdentifier, value: octets(subjectKeyId) },
    ...(authorityKeyId === undefined ? [] : [{ id: OID.authorityKeyIdentifier, value: sequence([asn1.create(asn1.Class.CONTEXT_SPECIFIC, 0, false, authorityKeyId)]) }]),
];

interface Issue {
    /** forge's subject attributes, or a certificate's subject as encoded. */
    subject: forge.pki.CertificateField[] | Asn1;
    /** The issuer's subject as encoded; unset: self-signed (the subject). */
    issuer?: Asn1;
    spki: Asn1;
    notBefore: Date;
    notAfter: Date;
    /** forge extension objects (key identifiers with their `value` already encoded). */
    extensions: unknown[];
    signer: KeyObject;
}

/**
 * The certificate's DER built by forge around Node's key and signature: forge encodes the
 * TBSCertificate (serial, validity, names, extensions), then the signature algorithm, the issuer
 * name and the public key are put in as encoded here, and Node signs it.
 */
function issueCertificate(o: Issue): string {
    const cert = forge.pki.createCertificate();
    // forge encodes an RSA key only; a placeholder, replaced by the real key's SubjectPublicKeyInfo below.
    cert.publicKey = forge.pki.setRsaPublicKey(new forge.jsbn.BigInteger("3"), new forge.jsbn.BigInteger("3"));
    // A positive 128-bit serial (the high bit cleared keeps the DER integer positive).
    const serial = randomBytes(16);
    serial[0] &= 0x7f;
    cert.serialNumber = serial.toString("hex");
    cert.validity.notBefore = o.notBefore;
    cert.validity.notAfter = o.notAfter;
    if (Array.isArray(o.subject)) cert.setSubject(o.subject);
    cert.siginfo.algorithmOid = OID.sha256WithRsa;
    cert.setExtensions(o.extensions as any[]);
    const tbs = (forge.pki as unknown as { getTBSCertificate(c: forge.pki.Certificate): Asn1 }).getTBSCertificate(cert);
    const f = children(tbs); // [0] version, serial, signature, issuer, validity, subject, key, [3] extensions
    f[2] = signatureAlgorithm(o.signer);
    if (!Array.isArray(o.subject)) f[5] = o.subject;
    f[3] = o.issuer ?? f[5];
    f[6] = o.spki;
    const tbsDer = asn1.toDer(tbs).getBytes();
    const signature = sign("sha256", Buffer.from(tbsDer, "binary"), o.signer).toString("binary");
    const der = asn1.toDer(sequence([tbs, signatureAlgorithm(o.signer), asn1.create(UNIVERSAL, asn1.Type.BITSTRING, false, `\0${signature}`)])).getBytes();
    return forge.pem.encode({ type: "CERTIFICATE", body: der }, { maxline: 64 });
}

function validity(o: { now?: Date; validDays?: number }, defaultDays: number): { notBefore: Date; notAfter: Date } {
    const now = (o.now ?? new Date()).getTime();
    return { notBefore: new Date(now - CERT_SKEW_MS), notAfter: new Date(now + (o.validDays ?? defaultDays) * DAY_MS) };
}

const CA_EXTENSIONS = [
    { name: "basicConstraints", cA: true, critical: true },
    { name: "keyUsage", keyCertSign: true, cRLSign: true, critical: true },
];

/** A self-signed CA that signs the stack's server certificates. */
export function generateCa(commonName: string, o: CertOptions = {}): PemPair {
    const key = keyOf(o.keyPem);
    // UTF8String, not forge's default PrintableString: a rotated CA's name has a '#' ("... CA #1"),
    // which PrintableString does not allow, and Go's parser (etcd's) refuses such a certificate.
    // (forge reads `valueTagClass` as the value's ASN.1 type; its typings call it a class.)
    const subject = [{ name: "commonName", value: commonName, valueTagClass: asn1.Type.UTF8 as unknown as forge.asn1.Class }];
    const certPem = issueCertificate({
        subject, spki: key.spki, ...validity(o, 3650), signer: key.privateKey,
        extensions: [...CA_EXTENSIONS, ...keyIdentifiers(key.keyId)],
    });
    return { certPem, keyPem: key.keyPem };
}

/**
 * `subjectCaPem`'s CA, cross-signed by `issuer`: the same subject, public key and key identifier,
 * vouched for by the issuing CA. Served after a leaf of the new CA, it lets a client that trusts
 * only `issuer` build a chain to it (leaf, this certificate, `issuer`), while a client that trusts
 * the new CA stops at the new CA. Valid while both CAs are.
 */
export function crossSignCa(issuer: PemPair, subjectCaPem: string, o: { now?: Date } = {}): string {
    const subject = parseCert(subjectCaPem);
    const by = parseCert(issuer.certPem);
    return issueCertificate({
        subject: subject.subject, issuer: by.subject, spki: subject.spki,
        notBefore: validity(o, 0).notBefore, notAfter: new Date(Math.min(subject.notAfter.getTime(), by.notAfter.getTime())),
        extensions: [...CA_EXTENSIONS, ...keyIdentifiers(subject.keyId, by.keyId)],
        signer: createPrivateKey(issuer.keyPem),
    });
}

/** A server certificate signed by `ca`, valid for every name and address a client may dial. */
export function generateServerCert(ca: PemPair, o: ServerCertOptions): PemPair {
    if (o.dnsNames.length + o.ipAddresses.length === 0) throw new Error("a server certificate needs at least one DNS name or IP address");
    const issuer = parseCert(ca.certPem);
    const key = keyOf(o.keyPem);
    const certPem = issueCertificate({
        subject: [{ name: "commonName", value: o.commonName }], issuer: issuer.subject, spki: key.spki, ...validity(o, 825),
        signer: createPrivateKey(ca.keyPem),
        extensions: [
            { name: "basicConstraints", cA: false, critical: true },
            // keyEncipherment is RSA's key transport; an ECDSA key only signs (the handshake's key exchange).
            { name: "keyUsage", digitalSignature: true, ...(key.privateKey.asymmetricKeyType === "rsa" ? { keyEncipherment: true } : {}), critical: true },
            { name: "extKeyUsage", serverAuth: true, ...(o.clientAuth ? { clientAuth: true } : {}) },
            {
                name: "subjectAltName",
                altNames: [...o.dnsNames.map((value) => ({ type: 2, value })), ...o.ipAddresses.map((ip) => ({ type: 7, ip }))],
            },
            ...keyIdentifiers(key.keyId, issuer.keyId),
        ],
    });
    return { certPem, keyPem: key.keyPem };
}
