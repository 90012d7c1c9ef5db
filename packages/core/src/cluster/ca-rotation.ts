import { PemPair, crossSignCa, generateCa } from "./tls";
import { renewalDue } from "./tls-renewal";

// Rotation of a generated CA. Pure: the caller passes the clock and keeps the state.
//
// A rotation makes a new CA, which signs every certificate from then on, and keeps the previous CA
// in the trust bundle (`trustBundle`) until the next rotation. The new CA is also cross-signed by
// the previous one, and every certificate it signs is served with that cross-signed certificate
// after it (`servedChain`). Every intermediate state of a rollout is then valid, whatever order
// the certificates and the trust files reach the containers in:
//
//   trusts \ serves      | a leaf of the previous CA | a leaf of the new CA + cross-signed new CA
//   previous bundle      | previous CA               | cross-signed new CA -> previous CA
//   (…, previous CA)     |                           |
//   new bundle           | previous CA               | new CA
//   (new CA, previous CA)|                           |
//
// so a member, a pool, HAProxy or a client that still holds the previous bundle, or only the
// previous CA, verifies a renewed member, and one that got the new bundle first verifies one that
// did not yet renew. The one ordering left is between rotations: a rotation drops the CA before
// the previous one, so it may start only once every trust file holds the bundle of the rotation
// before (the `up` that made it succeeded). One rotation per `up` (`caRotationReason` compares
// with the state the last `up` left) keeps that.

/** Validity of a generated CA (days). */
export const DEFAULT_CA_LIFETIME_DAYS = 3650;

/** What a CA's holder keeps between `up`s. */
export interface CaState {
    /** The CA that signs. */
    ca: PemPair;
    /** The CA before the last rotation: still trusted, until the next rotation. */
    previousCaCertPem?: string;
    /** `ca` cross-signed by the previous CA, served after each leaf `ca` signs. */
    crossCertPem?: string;
    /** Rotations so far (0: the CA the cluster was created with). */
    rotations: number;
    /** The `caGeneration` the last rotation answered (0 before any requested). */
    generation: number;
}

/** What a user asks: a rotation counter, and a renewal fraction that applies to the CA's own lifetime too. */
export interface CaRotationWanted {
    /** Rotate once each time this goes up (default 0). */
    generation?: number;
    /** Rotate once less than this share of the CA's lifetime is left; unset: never for its age. */
    renewBeforeFraction?: number;
}

/** The problem with a CA generation counter, or undefined: a whole number from 0. */
export function caGenerationIssue(g: unknown): string | undefined {
    if (typeof g !== "number" || !Number.isInteger(g) || g < 0)
        return `must be a whole number from 0 (raise it by one to rotate the CA on the next up; default 0), got ${String(g)}`;
    return undefined;
}

/**
 * Why `state`'s CA rotates on this `up`, or undefined: a raised generation ("requested"), or less
 * than `renewBeforeFraction` of its lifetime left ("due"). A lowered generation is an error: the
 * counter only goes up, and a rotation cannot be undone.
 */
export function caRotationReason(state: Pick<CaState, "ca" | "generation">, wanted: CaRotationWanted, now: Date): "requested" | "due" | undefined {
    const generation = wanted.generation ?? 0;
    if (generation < state.generation)
        throw new Error(`tls.caGeneration is ${generation}, but the CA was last rotated for generation ${state.generation}: the counter only goes up (a rotation cannot be undone)`);
    if (generation > state.generation) return "requested";
    if (wanted.renewBeforeFraction !== undefined && renewalDue(state.ca.certPem, wanted.renewBeforeFraction, now)) return "due";
    return undefined;
}

/** A CA's name after `rotations` rotations: each CA its own subject, so chains never confuse two. */
export function rotatedCaName(commonName: string, rotations: number): string {
    return rotations === 0 ? commonName : `${commonName} #${rotations}`;
}

/** The state after one rotation: a new CA (valid `validDays`), the old one kept trusted and cross-signing the new. */
export function rotateCa(state: CaState, o: { commonName: string; generation: number; validDays?: number; now?: Date }): CaState {
    const rotations = state.rotations + 1;
    const ca = generateCa(rotatedCaName(o.commonName, rotations), { validDays: o.validDays ?? DEFAULT_CA_LIFETIME_DAYS, now: o.now });
    return { ca, previousCaCertPem: state.ca.certPem, crossCertPem: crossSignCa(state.ca, ca.certPem, { now: o.now }), rotations, generation: Math.max(o.generation, state.generation) };
}

const pem = (p: string) => (p.endsWith("\n") ? p : `${p}\n`);

/**
 * What every party that verifies the CA's certificates trusts: the signing CA, then the previous
 * one. Before any rotation, exactly the CA's certificate (so a cluster's first `up` with rotation
 * changes no trust file).
 */
export function trustBundle(caCertPem: string, previousCaCertPem?: string): string {
    return previousCaCertPem ? pem(caCertPem) + pem(previousCaCertPem) : caCertPem;
}

/** What a server presents: its certificate, then the cross-signed CA when the CA was rotated. */
export function servedChain(leafPem: string, crossCertPem?: string): string {
    return crossCertPem ? pem(leafPem) + pem(crossCertPem) : leafPem;
}
