import { createHash, createHmac, pbkdf2Sync, randomBytes } from "crypto";

/**
 * A PostgreSQL SCRAM-SHA-256 verifier (RFC 7677, as `pg_authid.rolpassword` stores it).
 * Giving PostgreSQL and PgBouncer the verifier instead of the password means neither
 * holds a plaintext password, and PgBouncer can pass SCRAM through to the server.
 */
export function scramSha256Verifier(password: string, opts: { salt?: Buffer; iterations?: number } = {}): string {
    const salt = opts.salt ?? randomBytes(16);
    const iterations = opts.iterations ?? 4096;
    // PostgreSQL SASLprep-normalises the password; NFKC matches it for the ASCII passwords we generate.
    const salted = pbkdf2Sync(Buffer.from(password.normalize("NFKC"), "utf8"), salt, iterations, 32, "sha256");
    const clientKey = createHmac("sha256", salted).update("Client Key").digest();
    const storedKey = createHash("sha256").update(clientKey).digest();
    const serverKey = createHmac("sha256", salted).update("Server Key").digest();
    return `SCRAM-SHA-256$${iterations}:${salt.toString("base64")}$${storedKey.toString("base64")}:${serverKey.toString("base64")}`;
}

export function isScramVerifier(s: string): boolean {
    return /^SCRAM-SHA-256\$\d+:[A-Za-z0-9+/=]+\$[A-Za-z0-9+/=]+:[A-Za-z0-9+/=]+$/.test(s);
}
