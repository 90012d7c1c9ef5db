import { X509Certificate } from "crypto";
import { generateCa, generateServerCert } from "./tls";
import { DEFAULT_RENEW_BEFORE_FRACTION, DEFAULT_TLS_LIFETIME_DAYS, certificateValidity, certificatesDue, normalSerial, renewBeforeFractionIssue, renewalDue, renewalPoint } from "./tls-renewal";

const DAY = 86400_000;

describe("certificate renewal", () => {
    const issued = new Date("2026-01-01T00:00:00Z");
    const ca = generateCa("pgscale renewal CA", { now: issued });
    const cert = (validDays: number) => generateServerCert(ca, { commonName: "pg-0", dnsNames: ["pg-0"], ipAddresses: [], now: issued, validDays }).certPem;
    const c90 = cert(90);

    it("reads when a certificate was issued (not its backdated notBefore), when it expires and its serial", () => {
        const v = certificateValidity(c90);
        expect(v.issuedAt.toISOString()).toBe(issued.toISOString());
        expect(v.notAfter.getTime() - issued.getTime()).toBe(90 * DAY);
        expect(v.serial).toBe(normalSerial(new X509Certificate(c90).serialNumber));
        expect(v.serial).toMatch(/^[1-9A-F][0-9A-F]*$/);
    });

    it("reads serials the same whoever printed them", () => {
        expect(normalSerial("serial=00ab12\n")).toBe("AB12");
        expect(normalSerial("0AB12")).toBe("AB12");
        expect(normalSerial("AB12")).toBe("AB12");
        expect(normalSerial("0")).toBe("0");
    });

    it("renews in the last third of a 90-day lifetime by default: day 60", () => {
        expect(DEFAULT_TLS_LIFETIME_DAYS).toBe(90);
        expect(DEFAULT_RENEW_BEFORE_FRACTION).toBeCloseTo(1 / 3);
        expect(renewalPoint(c90, DEFAULT_RENEW_BEFORE_FRACTION).toISOString()).toBe(new Date(issued.getTime() + 60 * DAY).toISOString());
        expect(renewalDue(c90, DEFAULT_RENEW_BEFORE_FRACTION, new Date(issued.getTime() + 60 * DAY - 1000))).toBe(false);
        expect(renewalDue(c90, DEFAULT_RENEW_BEFORE_FRACTION, new Date(issued.getTime() + 60 * DAY))).toBe(true);
        expect(renewalDue(c90, DEFAULT_RENEW_BEFORE_FRACTION, new Date(issued.getTime() + 100 * DAY))).toBe(true); // expired: still renewed
    });

    it("scales with the fraction and the lifetime", () => {
        expect(renewalPoint(c90, 0.5).toISOString()).toBe(new Date(issued.getTime() + 45 * DAY).toISOString());
        expect(renewalPoint(cert(30), 0.1).toISOString()).toBe(new Date(issued.getTime() + 27 * DAY).toISOString());
        // A fraction near 1 renews right after issue: 1e-6 of 90 days is ~7.8 s.
        const early = renewalPoint(c90, 1 - 1e-6).getTime() - issued.getTime();
        expect(early).toBeGreaterThan(7000);
        expect(early).toBeLessThan(8500);
    });

    it("lists the certificates due, and none when no fraction is set (never renewed)", () => {
        const certs = { "pg-0": { certPem: c90 }, "pg-1": { certPem: cert(10) } };
        const day20 = new Date(issued.getTime() + 20 * DAY);
        expect(certificatesDue(certs, 1 / 3, day20)).toEqual(["pg-1"]);
        expect(certificatesDue(certs, 1 / 3, new Date(issued.getTime() + DAY))).toEqual([]);
        expect(certificatesDue(certs, 1 / 3, new Date(issued.getTime() + 61 * DAY))).toEqual(["pg-0", "pg-1"]);
        expect(certificatesDue(certs, undefined, new Date(issued.getTime() + 1000 * DAY))).toEqual([]);
    });

    it.each([0, 1, -0.5, 1.5, Number.NaN, Number.POSITIVE_INFINITY])("refuses the fraction %p", (f) => {
        expect(renewBeforeFractionIssue(f)).toMatch(/strictly between 0 and 1/);
        expect(() => renewalPoint(c90, f)).toThrow(/renewBeforeFraction must be a number strictly between 0 and 1/);
    });

    it.each([1e-9, 1 / 3, 0.999999])("accepts the fraction %p", (f) => {
        expect(renewBeforeFractionIssue(f)).toBeUndefined();
    });
});
