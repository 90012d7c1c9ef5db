import { createHash, createHmac } from "crypto";

// SHA-512-crypt ("$6$", Ulrich Drepper's "Unix crypt using SHA-256 and SHA-512"), the password
// hash crypt(3) checks: HAProxy's `userlist ... password <hash>` takes it, so its configuration
// holds a hash, not the password. Node has no crypt(3); this follows the specification step by step.

const ITOA64 = "./0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
const DEFAULT_ROUNDS = 5000;

const sha512 = (...parts: Buffer[]): Buffer => {
    const h = createHash("sha512");
    for (const p of parts) h.update(p);
    return h.digest();
};

/** `length` bytes of `block` repeated (the specification's P and S sequences). */
function repeatTo(block: Buffer, length: number): Buffer {
    const out = Buffer.alloc(length);
    for (let i = 0; i < length; i += block.length) block.copy(out, i, 0, Math.min(block.length, length - i));
    return out;
}

/** The hash's final permutation of the 64 digest bytes into crypt's base-64 alphabet. */
function encode(c: Buffer): string {
    const order = [
        [0, 21, 42], [22, 43, 1], [44, 2, 23], [3, 24, 45], [25, 46, 4], [47, 5, 26], [6, 27, 48],
        [28, 49, 7], [50, 8, 29], [9, 30, 51], [31, 52, 10], [53, 11, 32], [12, 33, 54], [34, 55, 13],
        [56, 14, 35], [15, 36, 57], [37, 58, 16], [59, 17, 38], [18, 39, 60], [40, 61, 19], [62, 20, 41],
    ];
    let out = "";
    const put = (w: number, n: number) => {
        for (let i = 0; i < n; i++, w >>= 6) out += ITOA64[w & 0x3f];
    };
    for (const [a, b, d] of order) put((c[a] << 16) | (c[b] << 8) | c[d], 4);
    put(c[63], 2);
    return out;
}

/**
 * `$6$<salt>$<hash>` of `password` (UTF-8) with `salt` (at most 16 characters of `./0-9A-Za-z`
 * are used, as crypt(3) does) and `rounds` (default 5000, written as `rounds=N$` otherwise).
 */
export function sha512Crypt(password: string, salt: string, rounds = DEFAULT_ROUNDS): string {
    if (!Number.isInteger(rounds) || rounds < 1000 || rounds > 999_999_999) throw new Error(`sha512Crypt: rounds must be an integer from 1000 to 999999999, got ${rounds}`);
    const s = salt.slice(0, 16);
    if (!/^[./0-9A-Za-z]*$/.test(s)) throw new Error("sha512Crypt: the salt may hold only ./0-9A-Za-z");
    const P = Buffer.from(password, "utf8");
    const S = Buffer.from(s, "ascii");
    const B = sha512(P, S, P);
    const a = createHash("sha512").update(P).update(S).update(repeatTo(B, P.length));
    for (let n = P.length; n > 0; n >>= 1) a.update(n & 1 ? B : P);
    const A = a.digest();
    const Pseq = repeatTo(sha512(...Array.from({ length: P.length }, () => P)), P.length);
    const Sseq = repeatTo(sha512(...Array.from({ length: 16 + A[0] }, () => S)), S.length);
    let C = A;
    for (let i = 0; i < rounds; i++) {
        const h = createHash("sha512");
        h.update(i & 1 ? Pseq : C);
        if (i % 3) h.update(Sseq);
        if (i % 7) h.update(Pseq);
        h.update(i & 1 ? C : Pseq);
        C = h.digest();
    }
    return `$6$${rounds === DEFAULT_ROUNDS ? "" : `rounds=${rounds}$`}${s}$${encode(C)}`;
}

/**
 * A salt derived from the password itself (16 characters of crypt's alphabet from an HMAC), so the
 * hash, and the configuration that holds it, stay the same on every `pulumi up`: a random salt
 * would change HAProxy's configuration, and reload it, each time. The passwords hashed here are
 * generated (32 random characters), so a salt per password is all a salt has to give.
 */
export function derivedCryptSalt(password: string, purpose: string): string {
    const mac = createHmac("sha256", password).update(`pgscale crypt salt: ${purpose}`).digest();
    return Array.from(mac.subarray(0, 16), (b) => ITOA64[b & 0x3f]).join("");
}
