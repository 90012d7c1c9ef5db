import * as tls from "tls";
import { X509Certificate } from "crypto";
import { AddressInfo } from "net";
import { generateCa, generateServerCert, PemPair } from "./tls";
import { CaState, DEFAULT_CA_LIFETIME_DAYS, caGenerationIssue, caRotationReason, rotateCa, servedChain, trustBundle } from "./ca-rotation";

const DAY = 86400_000;

/** Whether a real TLS client (Node's OpenSSL) trusting `trust` verifies a server presenting `served` as pg-0. */
async function verifies(served: PemPair, trust: string): Promise<boolean> {
    const server = tls.createServer({ cert: served.certPem, key: served.keyPem }, (s) => s.end());
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    try {
        return await new Promise<boolean>((resolve) => {
            const c = tls.connect({ host: "127.0.0.1", port: (server.address() as AddressInfo).port, servername: "pg-0", ca: trust, checkServerIdentity: () => undefined });
            c.once("secureConnect", () => { c.destroy(); resolve(true); });
            c.once("error", () => resolve(false));
        });
    } finally {
        server.close();
    }
}

const subjects = (bundle: string) => (bundle.match(/-----BEGIN CERTIFICATE-----[^-]+-----END CERTIFICATE-----/g) ?? []).map((p) => new X509Certificate(p).subject);

describe("CA rotation", () => {
    const created: CaState = { ca: generateCa("pgscale pg CA"), rotations: 0, generation: 0 };
    const leaf = (s: CaState): PemPair => {
        const l = generateServerCert(s.ca, { commonName: "pg-0", dnsNames: ["pg-0"], ipAddresses: ["127.0.0.1"], validDays: 90 });
        return { certPem: servedChain(l.certPem, s.crossCertPem), keyPem: l.keyPem };
    };
    const bundle = (s: CaState) => trustBundle(s.ca.certPem, s.previousCaCertPem);
    const first = rotateCa(created, { commonName: "pgscale pg CA", generation: 1 });
    const second = rotateCa(first, { commonName: "pgscale pg CA", generation: 2 });
    const [leafA, leafB, leafC] = [leaf(created), leaf(first), leaf(second)];

    it("changes no trust file and no served certificate before the first rotation", () => {
        expect(bundle(created)).toBe(created.ca.certPem);
        expect(servedChain("LEAF", undefined)).toBe("LEAF");
    });

    it("keeps the previous CA in the bundle for one rotation, and drops it at the next", () => {
        expect(subjects(bundle(first))).toEqual(["CN=pgscale pg CA #1", "CN=pgscale pg CA"]);
        expect(subjects(bundle(second))).toEqual(["CN=pgscale pg CA #2", "CN=pgscale pg CA #1"]);
        expect({ rotations: second.rotations, generation: second.generation }).toEqual({ rotations: 2, generation: 2 });
        // The new CA is valid for the CA's lifetime from the rotation.
        const ca = new X509Certificate(first.ca.certPem);
        expect(Math.round((new Date(ca.validTo).getTime() - Date.now()) / DAY)).toBe(DEFAULT_CA_LIFETIME_DAYS);
    });

    // Every mix a rollout can pass through: any party may hold the old or the new bundle while any
    // member serves a certificate of the old or the new CA.
    const trusts: Record<string, () => string> = {
        "the bundle before": () => bundle(created),
        "the bundle of the first rotation": () => bundle(first),
        "the bundle of the second rotation": () => bundle(second),
        "the original CA alone (a pinned client)": () => created.ca.certPem,
        "another CA": () => generateCa("another").certPem,
    };
    const serves: Record<string, PemPair> = { "the original": leafA, "the first rotation's": leafB, "the second rotation's": leafC };
    it.each([
        ["the bundle before", "the original", true],
        ["the bundle before", "the first rotation's", true],
        ["the bundle of the first rotation", "the original", true],
        ["the bundle of the first rotation", "the first rotation's", true],
        ["the original CA alone (a pinned client)", "the first rotation's", true],
        ["the bundle of the first rotation", "the second rotation's", true],
        ["the bundle of the second rotation", "the first rotation's", true],
        ["the bundle of the second rotation", "the second rotation's", true],
        // The next rotation drops the original CA: pinned to it, a client no longer verifies.
        ["the original CA alone (a pinned client)", "the second rotation's", false],
        ["the bundle of the second rotation", "the original", false],
        ["another CA", "the first rotation's", false],
    ] as const)("a client trusting %s, meeting a certificate of %s CA, verifies it: %s", async (trust, served, ok) => {
        expect(await verifies(serves[served], trusts[trust]())).toBe(ok);
    });

    it("rotates when the generation goes up or the CA is due, refuses a lowered generation", () => {
        const issued = new Date("2026-01-01T00:00:00Z");
        const state = { ca: generateCa("x", { now: issued }), generation: 1 };
        const at = (days: number) => new Date(issued.getTime() + days * DAY);
        expect(caRotationReason(state, { generation: 1 }, at(1))).toBeUndefined();
        expect(caRotationReason(state, { generation: 2 }, at(1))).toBe("requested");
        // The same rule as the certificates: the last third of its 3650 days, from day 2433.
        expect(caRotationReason(state, { generation: 1, renewBeforeFraction: 1 / 3 }, at(2433))).toBeUndefined();
        expect(caRotationReason(state, { generation: 1, renewBeforeFraction: 1 / 3 }, at(2434))).toBe("due");
        expect(caRotationReason(state, { generation: 1 }, at(5000))).toBeUndefined(); // no fraction: never for its age
        expect(() => caRotationReason(state, { generation: 0 }, at(1))).toThrow(/tls.caGeneration is 0, but the CA was last rotated for generation 1/);
    });

    it("names what is wrong with a generation", () => {
        expect(caGenerationIssue(0)).toBeUndefined();
        expect(caGenerationIssue(3)).toBeUndefined();
        for (const bad of [-1, 1.5, Number.NaN, "1"]) expect(caGenerationIssue(bad)).toMatch(/must be a whole number from 0/);
    });
});
