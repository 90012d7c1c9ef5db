import { createHash, createHmac, pbkdf2Sync } from "crypto";
import { isScramVerifier, scramSha256Verifier } from "./scram";

describe("scramSha256Verifier", () => {
    it("matches RFC 5802's derivation", () => {
        const salt = Buffer.from("0123456789abcdef");
        const v = scramSha256Verifier("pencil", { salt, iterations: 4096 });
        expect(isScramVerifier(v)).toBe(true);
        const salted = pbkdf2Sync("pencil", salt, 4096, 32, "sha256");
        const stored = createHash("sha256").update(createHmac("sha256", salted).update("Client Key").digest()).digest("base64");
        expect(v).toBe(`SCRAM-SHA-256$4096:${salt.toString("base64")}$${stored}:${createHmac("sha256", salted).update("Server Key").digest("base64")}`);
    });

    it("salts each verifier afresh unless given a salt", () => {
        expect(scramSha256Verifier("pencil")).not.toBe(scramSha256Verifier("pencil"));
        expect(scramSha256Verifier("pencil")).toMatch(/^SCRAM-SHA-256\$4096:/);
    });
});
