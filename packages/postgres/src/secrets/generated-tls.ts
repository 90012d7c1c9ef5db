import * as pulumi from "@pulumi/pulumi";
import { POSTGRES_PACKAGE, packageRequire } from "../own-package";

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

interface Ins {
    commonName: string;
    servers: Record<string, TlsServerNames>;
    /** Sign with this CA instead of generating one (a pool's certificate from its cluster's CA). */
    ca?: PemPair;
    /** Renew a server certificate once less than this share of its lifetime is left; unset: never. */
    renewBeforeFraction?: number;
}

interface Outs extends Ins {
    caCertPem: string;
    caKeyPem: string;
    certs: Record<string, PemPair>;
}

// Serialized into the state: captures only where the package is; @pgscale/core (node-forge) is
// loaded from there when a method runs (own-package.ts).
const load = packageRequire(POSTGRES_PACKAGE);
export const generatedTlsProvider: pulumi.dynamic.ResourceProvider = {
    async create(inputs: Ins) {
        const core = load("@pgscale/core");
        const ca: PemPair = inputs.ca ?? core.generateCa(inputs.commonName);
        const certs: Record<string, PemPair> = {};
        for (const [name, s] of Object.entries(inputs.servers)) certs[name] = core.generateServerCert(ca, { commonName: name, ...s });
        const outs: Outs = { ...inputs, caCertPem: ca.certPem, caKeyPem: ca.keyPem, certs };
        return { id: require("crypto").randomUUID(), outs };
    },
    // A certificate past its renewal point (renewBeforeFraction, against the clock now) is an update,
    // so `pulumi preview` shows it; the fraction alone changes no certificate.
    async diff(_id: string, olds: Outs, news: Ins) {
        const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);
        const caChanged = !same(olds.ca, news.ca) || olds.commonName !== news.commonName;
        const due = load("@pgscale/core").certificatesDue(olds.certs ?? {}, news.renewBeforeFraction, new Date()) as string[];
        const changes = caChanged || !same(olds.servers, news.servers) || due.length > 0;
        return { changes, replaces: caChanged ? ["ca"] : [], deleteBeforeReplace: false };
    },
    // Same CA: certificates of unchanged servers are kept, so adding a node touches no other node;
    // those due for renewal are issued anew.
    async update(_id: string, olds: Outs, news: Ins) {
        const core = load("@pgscale/core");
        const ca: PemPair = { certPem: olds.caCertPem, keyPem: olds.caKeyPem };
        const due = new Set(core.certificatesDue(olds.certs ?? {}, news.renewBeforeFraction, new Date()) as string[]);
        const certs: Record<string, PemPair> = {};
        for (const [name, s] of Object.entries(news.servers)) {
            const kept = JSON.stringify(olds.servers[name]) === JSON.stringify(s) && !due.has(name) ? olds.certs[name] : undefined;
            certs[name] = kept ?? core.generateServerCert(ca, { commonName: name, ...s });
        }
        const outs: Outs = { ...news, caCertPem: ca.certPem, caKeyPem: ca.keyPem, certs };
        return { outs };
    },
};

/**
 * A private CA and one server certificate per named server, generated once and kept in the state
 * with the keys as Pulumi secrets. Clients verify servers with `caCertPem` (sslmode=verify-full).
 */
export class GeneratedTls extends pulumi.dynamic.Resource {
    public readonly caCertPem!: pulumi.Output<string>;
    public readonly caKeyPem!: pulumi.Output<string>;
    public readonly certs!: pulumi.Output<Record<string, PemPair>>;

    /**
     * `renewBeforeFraction`: renew each server certificate on the first `pulumi up` after less than
     * this share of its lifetime is left (strictly between 0 and 1); unset: never renewed. The CA is
     * never renewed.
     */
    constructor(name: string, args: { servers: Record<string, TlsServerNames>; commonName?: string; ca?: pulumi.Input<PemPair>; renewBeforeFraction?: number }, opts?: pulumi.CustomResourceOptions) {
        super(generatedTlsProvider, name, {
            commonName: args.commonName ?? `pgscale ${name} CA`,
            servers: args.servers,
            ...(args.renewBeforeFraction !== undefined ? { renewBeforeFraction: args.renewBeforeFraction } : {}),
            ca: args.ca === undefined ? undefined : pulumi.secret(args.ca),
            caCertPem: undefined, caKeyPem: undefined, certs: undefined,
        }, { ...opts, additionalSecretOutputs: ["caKeyPem", "certs", "ca"] }, "pgscale", "GeneratedTls");
    }
}
