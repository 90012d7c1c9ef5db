import { constants, KeyObject, privateEncrypt } from "crypto";
import * as forge from "node-forge";

// Certificates signed by Node's RSA: forge builds the certificate (its DER and SHA-256 digest),
// Node signs. Kept out of the package's exports: its declaration names a forge type, and every
// consumer's type-check would then need @types/node-forge.

/** DER prefix of PKCS#1 v1.5's DigestInfo for SHA-256 (RFC 8017, section 9.2, note 1). */
const SHA256_DIGEST_INFO = Buffer.from("3031300d060960864801650304020105000420", "hex");

/**
 * Signs `cert` (sha256WithRSAEncryption) with Node's RSA: forge's `cert.sign` takes any key whose
 * `sign(md)` returns the signature of the digest as a binary string, and PKCS#1 v1.5 signing is
 * the private-key operation on DigestInfo with type-1 padding, which privateEncrypt performs.
 */
export function signCertificate(cert: forge.pki.Certificate, key: KeyObject): void {
    const signer = {
        sign: (md: forge.md.MessageDigest) => {
            const digest = Buffer.from(md.digest().getBytes(), "binary");
            return privateEncrypt({ key, padding: constants.RSA_PKCS1_PADDING }, Buffer.concat([SHA256_DIGEST_INFO, digest])).toString("binary");
        },
    };
    cert.sign(signer as unknown as forge.pki.rsa.PrivateKey, forge.md.sha256.create());
}
