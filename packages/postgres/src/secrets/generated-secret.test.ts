import { createHash, createHmac, pbkdf2Sync } from "crypto";
import { generatedSecretProvider as provider } from "./generated-secret";

// The provider's methods run here directly (the engine calls the same ones); Pulumi mocks are not needed.
describe("GeneratedSecret provider", () => {
    it("generates a password of the asked length and the SCRAM-SHA-256 verifier of exactly that password", async () => {
        const { outs } = await provider.create!({ length: 24 });
        expect(outs.value).toMatch(/^[A-Za-z0-9]{24}$/);
        const m = /^SCRAM-SHA-256\$4096:([A-Za-z0-9+/=]+)\$([A-Za-z0-9+/=]+):([A-Za-z0-9+/=]+)$/.exec(outs.scramVerifier);
        expect(m).not.toBeNull();
        // PostgreSQL's own derivation (RFC 5802) from the salt the verifier carries.
        const salted = pbkdf2Sync(outs.value, Buffer.from(m![1], "base64"), 4096, 32, "sha256");
        expect(m![2]).toBe(createHash("sha256").update(createHmac("sha256", salted).update("Client Key").digest()).digest("base64"));
        expect(m![3]).toBe(createHmac("sha256", salted).update("Server Key").digest("base64"));
    });

    it("replaces the secret only when its length changes", async () => {
        const { outs } = await provider.create!({ length: 32 });
        expect(await provider.diff!("id", outs, { length: 32 })).toEqual({ changes: false, replaces: [] });
        expect(await provider.diff!("id", outs, { length: 40 })).toEqual({ changes: true, replaces: ["length"] });
    });
});
