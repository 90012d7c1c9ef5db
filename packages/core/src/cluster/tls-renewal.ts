import { X509Certificate } from "crypto";
import { CERT_SKEW_MS } from "./tls";

// When a generated server certificate is renewed. Pure: the caller passes the clock. A certificate
// is renewed once less than `renewBeforeFraction` of its lifetime is left; the lifetime counts from
// when it was issued (its notBefore plus the clock-skew allowance the issuer backdates it by).

/** Validity of the members' and pools' certificates when `tls.lifetimeDays` is unset. */
export const DEFAULT_TLS_LIFETIME_DAYS = 90;
/** Renew in the last third of the lifetime when `tls.renewBeforeFraction` is unset. */
export const DEFAULT_RENEW_BEFORE_FRACTION = 1 / 3;

export interface CertificateValidity {
    /** When it was issued (notBefore plus the skew allowance). */
    issuedAt: Date;
    notAfter: Date;
    /** Upper-case hex without leading zeros (`normalSerial`). */
    serial: string;
}

/** A serial number in hex as one form whoever printed it (`openssl x509 -serial`, Node): upper case, no leading zeros. */
export function normalSerial(hex: string): string {
    return hex.trim().replace(/^serial=/i, "").toUpperCase().replace(/^0+(?=.)/, "");
}

export function certificateValidity(certPem: string): CertificateValidity {
    const x = new X509Certificate(certPem);
    return { issuedAt: new Date(new Date(x.validFrom).getTime() + CERT_SKEW_MS), notAfter: new Date(x.validTo), serial: normalSerial(x.serialNumber) };
}

/** The moment from which `certPem` is due for renewal. */
export function renewalPoint(certPem: string, renewBeforeFraction: number): Date {
    checkRenewBeforeFraction(renewBeforeFraction);
    const { issuedAt, notAfter } = certificateValidity(certPem);
    const lifetime = notAfter.getTime() - issuedAt.getTime();
    return new Date(notAfter.getTime() - renewBeforeFraction * lifetime);
}

/** Whether `certPem` is due for renewal at `now`. */
export function renewalDue(certPem: string, renewBeforeFraction: number, now: Date): boolean {
    return now.getTime() >= renewalPoint(certPem, renewBeforeFraction).getTime();
}

/** The names of the certificates in `certs` due for renewal at `now`; none without a fraction (never renewed). */
export function certificatesDue(certs: Record<string, { certPem: string }>, renewBeforeFraction: number | undefined, now: Date): string[] {
    if (renewBeforeFraction === undefined) return [];
    return Object.entries(certs).filter(([, c]) => renewalDue(c.certPem, renewBeforeFraction, now)).map(([name]) => name).sort();
}

/** The problem with a renewal fraction, or undefined: it must lie strictly between 0 and 1. */
export function renewBeforeFractionIssue(f: number): string | undefined {
    if (typeof f !== "number" || !Number.isFinite(f) || f <= 0 || f >= 1)
        return `must be a number strictly between 0 and 1 (the share of the lifetime left when a certificate is renewed; default 1/3), got ${String(f)}`;
    return undefined;
}

function checkRenewBeforeFraction(f: number): void {
    const issue = renewBeforeFractionIssue(f);
    if (issue) throw new Error(`renewBeforeFraction ${issue}`);
}

/**
 * A PatroniCluster member's reload of renewed certificate files, as shell run in the member as
 * postgres: Patroni (PID 1) reloads its REST API's certificate on SIGHUP, PostgreSQL re-reads its
 * SSL files on a configuration reload (over the local socket; skipped while it is not up, as it
 * reads them at start). `copies` are refreshed first (the certificate and key pgBackRest's server
 * reads on Kubernetes; its scheduler restarts that server when its certificate file changes).
 */
export function memberTlsReload(binDir: string, copies: Array<{ from: string; to: string; mode: string }> = []): string {
    const socket = "/var/run/postgresql";
    return [
        ...copies.map((c) => `install -m ${c.mode} ${c.from} ${c.to}`),
        "kill -HUP 1",
        `if ${binDir}/pg_isready -q -h ${socket}; then ${binDir}/psql -h ${socket} -U postgres -d postgres -XAtqc 'SELECT pg_reload_conf()' >/dev/null; fi`,
    ].join("; ");
}
