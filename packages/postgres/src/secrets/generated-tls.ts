import * as pulumi from "@pulumi/pulumi";
import { POSTGRES_PACKAGE, packageRequire } from "../own-package";
import { POSTGRES_PROVIDER, PgscaleDynamicResource } from "../package-provider";

/** The names and addresses one server certificate is valid for. */
export interface TlsServerNames {
    dnsNames: string[];
    ipAddresses: string[];
    /** Also valid as a client certificate (mutual TLS between etcd peers). Default false. */
    clientAuth?: boolean;
    /** Days of validity. Default 825. */
    validDays?: number;
}

interface PemPair {
    certPem: string;
    keyPem: string;
}

/** A CA that signs: with `chainPem`, the cross-signed certificate its leaves are served with (`servedChain`). */
export interface SigningCa extends PemPair {
    chainPem?: string;
}

interface Ins {
    commonName: string;
    servers: Record<string, TlsServerNames>;
    /** Sign with this CA instead of generating one (a pool's certificate from its cluster's CA). */
    ca?: SigningCa;
    /** Renew a server certificate, and a generated CA, once less than this share of its lifetime is left; unset: never. */
    renewBeforeFraction?: number;
    /** A generated CA rotates once each time this goes up; unset: 0. */
    caGeneration?: number;
    /** false: renewBeforeFraction renews the server certificates only, never the generated CA. Default true. */
    caRenewal?: boolean;
}

interface Outs extends Ins {
    caCertPem: string;
    caKeyPem: string;
    certs: Record<string, PemPair>;
    /** A generated CA's predecessor, trusted until the next rotation ("" before the first). */
    previousCaCertPem?: string;
    /** A generated CA cross-signed by its predecessor ("" before the first rotation). */
    caCrossCertPem?: string;
    /** Rotations of a generated CA so far. */
    caRotations?: number;
}

type Core = typeof import("@pgscale/core");

// Called through the package's one provider (providers.ts); @pgscale/core (node-forge) is loaded
// through the package when a method runs (own-package.ts), as in a state that holds it serialized.
const load = packageRequire(POSTGRES_PACKAGE);
const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);
/**
 * The rotation outputs of a CA never rotated (or a given one): empty strings, not absent. Pulumi
 * shows an output property the state lacks as unknown in a preview, so an absent one made the
 * trust bundle unknown in every preview, and with it what verifies with it (the rolling plan's
 * leader, each certificate's delivery).
 */
const NOT_ROTATED = { previousCaCertPem: "", caCrossCertPem: "" } as const;
/** The generated CA's state as the last `up` left it (a state from before rotation has no rotation fields). */
const caState = (o: Outs) => ({
    ca: { certPem: o.caCertPem, keyPem: o.caKeyPem }, previousCaCertPem: o.previousCaCertPem, crossCertPem: o.caCrossCertPem,
    rotations: o.caRotations ?? 0, generation: o.caGeneration ?? 0,
});
/** Why a generated CA rotates on this `up`; never for a given one. */
const rotation = (core: Core, olds: Outs, news: Ins) =>
    news.ca === undefined ? core.caRotationReason(caState(olds), { generation: news.caGeneration, renewBeforeFraction: news.caRenewal === false ? undefined : news.renewBeforeFraction }, new Date()) : undefined;
const issue = (core: Core, ca: SigningCa, name: string, s: TlsServerNames): PemPair => {
    const c = core.generateServerCert(ca, { commonName: name, ...s });
    return { certPem: core.servedChain(c.certPem, ca.chainPem), keyPem: c.keyPem };
};

export const generatedTlsProvider: pulumi.dynamic.ResourceProvider = {
    async create(inputs: Ins) {
        const core: Core = load("@pgscale/core");
        const servers = Object.entries(inputs.servers);
        const ca: SigningCa = inputs.ca ?? core.generateCa(inputs.commonName);
        const certs: Record<string, PemPair> = {};
        for (const [name, s] of servers) certs[name] = issue(core, ca, name, s);
        const outs: Outs = { ...inputs, caCertPem: ca.certPem, caKeyPem: ca.keyPem, certs, ...NOT_ROTATED };
        return { id: require("crypto").randomUUID(), outs };
    },
    // A certificate past its renewal point (renewBeforeFraction, against the clock now) and a CA
    // due for rotation are updates, so `pulumi preview` shows them; the fraction alone changes no
    // certificate. A given CA that changed (a rotation of the cluster's) is an update too: the
    // certificates are issued anew from it, under the same resource.
    async diff(_id: string, olds: Outs, news: Ins) {
        const core: Core = load("@pgscale/core");
        const replaced = (olds.ca === undefined) !== (news.ca === undefined) || olds.commonName !== news.commonName;
        const due = core.certificatesDue(olds.certs ?? {}, news.renewBeforeFraction, new Date());
        // A state written before the rotation outputs existed lacks them, and Pulumi shows an output
        // missing from the state as unknown in every preview (the trust bundle, and all that uses
        // it, with it): one update stores them, certificates kept.
        const unstored = olds.previousCaCertPem === undefined || olds.caCrossCertPem === undefined;
        const changes = replaced || unstored || !same(olds.ca, news.ca) || !same(olds.servers, news.servers) || due.length > 0 || rotation(core, olds, news) !== undefined;
        return { changes, replaces: replaced ? ["ca"] : [], deleteBeforeReplace: false };
    },
    // Same CA: certificates of unchanged servers are kept, so adding a node touches no other node;
    // those due for renewal are issued anew. A rotated or changed CA issues every certificate anew.
    async update(_id: string, olds: Outs, news: Ins) {
        const core: Core = load("@pgscale/core");
        const state = rotation(core, olds, news) ? core.rotateCa(caState(olds), { commonName: news.commonName, generation: news.caGeneration ?? 0 }) : caState(olds);
        const ca: SigningCa = news.ca ?? { ...state.ca, ...(state.crossCertPem ? { chainPem: state.crossCertPem } : {}) };
        const caChanged = news.ca === undefined ? state.ca.certPem !== olds.caCertPem : !same(olds.ca, news.ca);
        const due = new Set(core.certificatesDue(olds.certs ?? {}, news.renewBeforeFraction, new Date()));
        const kept = (name: string, s: TlsServerNames) => (same(olds.servers[name], s) && !due.has(name) && !caChanged ? olds.certs[name] : undefined);
        const servers = Object.entries(news.servers);
        const certs: Record<string, PemPair> = {};
        for (const [name, s] of servers) certs[name] = kept(name, s) ?? issue(core, ca, name, s);
        const rotated = news.ca === undefined && state.rotations > 0
            ? { previousCaCertPem: state.previousCaCertPem, caCrossCertPem: state.crossCertPem, caRotations: state.rotations, caGeneration: state.generation } : NOT_ROTATED;
        const outs: Outs = { ...news, caCertPem: ca.certPem, caKeyPem: ca.keyPem, certs, ...rotated };
        return { outs };
    },
};

/**
 * A private CA and one server certificate per named server, generated once and kept in the state
 * with the keys as Pulumi secrets. Clients verify servers with `caCertPem` (sslmode=verify-full).
 */
export class GeneratedTls extends PgscaleDynamicResource {
    public readonly caCertPem!: pulumi.Output<string>;
    public readonly caKeyPem!: pulumi.Output<string>;
    public readonly certs!: pulumi.Output<Record<string, PemPair>>;
    /** A generated CA's predecessor after a rotation, trusted until the next one; "" before the first. */
    public readonly previousCaCertPem!: pulumi.Output<string | undefined>;
    /** A generated CA cross-signed by its predecessor, served after every certificate it signs; "" before the first rotation. */
    public readonly caCrossCertPem!: pulumi.Output<string | undefined>;

    /**
     * `renewBeforeFraction`: renew each server certificate on the first `pulumi up` after less than
     * this share of its lifetime is left (strictly between 0 and 1); unset: never renewed. A
     * generated CA (no `ca`) rotates by the same rule on its own lifetime (3650 days), and once each
     * time `caGeneration` goes up (default 0; it never goes down): see `caRotationReason` and
     * `rotateCa` in @pgscale/core; `caRenewal: false` keeps it (the fraction renews the server
     * certificates only). Given a `ca` that changes (its rotation), every certificate is issued
     * anew from it, as an update.
     */
    constructor(name: string, args: { servers: Record<string, TlsServerNames>; commonName?: string; ca?: pulumi.Input<SigningCa>; renewBeforeFraction?: number; caGeneration?: number; caRenewal?: boolean }, opts?: pulumi.CustomResourceOptions) {
        super(POSTGRES_PROVIDER, name, {
            commonName: args.commonName ?? `pgscale ${name} CA`,
            servers: args.servers,
            ...(args.renewBeforeFraction !== undefined ? { renewBeforeFraction: args.renewBeforeFraction } : {}),
            ...(args.caGeneration ? { caGeneration: args.caGeneration } : {}),
            ...(args.caRenewal === false ? { caRenewal: false } : {}),
            ca: args.ca === undefined ? undefined : pulumi.secret(args.ca),
            caCertPem: undefined, caKeyPem: undefined, certs: undefined, previousCaCertPem: undefined, caCrossCertPem: undefined,
        }, { ...opts, additionalSecretOutputs: ["caKeyPem", "certs", "ca"] }, "pgscale", "GeneratedTls");
    }

    /** What every party that verifies this CA's certificates trusts: the CA, and its predecessor for one rotation. */
    public get trustBundlePem(): pulumi.Output<string> {
        return pulumi.all([this.caCertPem, this.previousCaCertPem]).apply(([ca, previous]) => load("@pgscale/core").trustBundle(ca, previous) as string);
    }

    /** The CA as another GeneratedTls signs with it (`ca`), with its cross-signed certificate after a rotation. */
    public get signingCa(): pulumi.Output<SigningCa> {
        return pulumi.all([this.caCertPem, this.caKeyPem, this.caCrossCertPem])
            .apply(([certPem, keyPem, chainPem]) => ({ certPem, keyPem, ...(chainPem ? { chainPem } : {}) }));
    }
}
