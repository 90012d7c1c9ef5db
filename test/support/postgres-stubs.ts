// Construct-graph unit tests replace pgscale's dynamic resources (@pgscale/postgres's, and
// @pgscale/docker's rolling gates and HAProxy reload) with plain custom resources: Pulumi's closure
// serializer cannot run under jest's module system. The real ones are tested in test/integration and
// test/e2e. Use: jest.mock("@pgscale/postgres", () => require(".../postgres-stubs")).
import * as pulumi from "@pulumi/pulumi";

// Pure (no resource): @pgscale/docker's own dynamic providers locate their package with it.
export { packageRequire } from "../../packages/postgres/src/own-package";
// The package provider and the base class the platforms' dynamic resources are built on.
export { packageProvider, PgscaleDynamicResource } from "../../packages/postgres/src/package-provider";
export { resolvedS3, s3Keys } from "../../packages/postgres/src/secrets/s3-keys";
// A base class with outputs only: the platforms' RestoreDrill providers are their own.
export { RestoreDrillResource } from "../../packages/postgres/src/drill/restore-drill-base";
import { trustBundle } from "../../packages/core/src/cluster/ca-rotation";

const stub = (type: string, outs: string[]) =>
    class extends pulumi.CustomResource {
        constructor(name: string, args: object, opts?: pulumi.CustomResourceOptions) {
            super(type, name, { ...Object.fromEntries(outs.map((o) => [o, undefined])), ...args }, opts);
        }
    };

export const GeneratedSecret = stub("pgscale:index:GeneratedSecret", ["value", "scramVerifier"]);
/** With the real one's trust bundle and signing CA, derived the same way from its outputs. */
export const GeneratedTls = class extends stub("pgscale:index:GeneratedTls", ["caCertPem", "caKeyPem", "certs", "previousCaCertPem", "caCrossCertPem"]) {
    get trustBundlePem(): pulumi.Output<string> {
        const o = this as unknown as Record<string, pulumi.Output<string | undefined>>;
        return pulumi.all([o.caCertPem, o.previousCaCertPem]).apply(([ca, previous]) => trustBundle(ca!, previous));
    }
    get signingCa(): pulumi.Output<{ certPem: string; keyPem: string; chainPem?: string }> {
        const o = this as unknown as Record<string, pulumi.Output<string | undefined>>;
        return pulumi.all([o.caCertPem, o.caKeyPem, o.caCrossCertPem]).apply(([certPem, keyPem, chainPem]) => ({ certPem: certPem!, keyPem: keyPem!, ...(chainPem ? { chainPem } : {}) }));
    }
};
/** Reads its note back as `firstNote`, as a FirstValue created with it does. */
export const FirstValue = class extends pulumi.CustomResource {
    constructor(name: string, args: { value: unknown; note?: unknown }, opts?: pulumi.CustomResourceOptions) {
        super("pgscale:index:FirstValue", name, { ...args, firstNote: args.note }, opts);
    }
};
export const PatroniDynamicConfig = stub("pgscale:index:PatroniDynamicConfig", []);
export const ReplicationSlot = stub("pgscale:index:ReplicationSlot", ["slotName", "role"]);
export const PatroniRollout = stub("pgscale:index:PatroniRollout", ["plan"]);
export const PatroniRolloutGate = stub("pgscale:index:PatroniRolloutGate", []);
export const HAProxyConfigReload = stub("pgscale:index:HAProxyConfigReload", []);
export const CertificateDelivery = stub("pgscale:index:CertificateDelivery", []);
export const DockerPreflight = stub("pgscale:index:DockerPreflight", []);
export const EtcdAuth = stub("pgscale:index:EtcdAuth", []);
export const EtcdScopeUser = stub("pgscale:index:EtcdScopeUser", []);
export const PostgresVersionGuard = stub("pgscale:index:PostgresVersionGuard", []);
export const PartitionedTable = stub("pgscale:index:PartitionedTable", ["plan", "applied", "observed"]);
export const Role = stub("pgscale:index:Role", ["password", "scramVerifier", "plan", "applied", "observed"]);
export const Database = stub("pgscale:index:Database", ["plan", "applied", "observed"]);
export const Grant = stub("pgscale:index:Grant", ["plan", "applied", "observed"]);

/** The mock's state for a GeneratedSecret: a recognisable password and a verifier-shaped string. */
export function generatedSecretState(name: string): { value: string; scramVerifier: string } {
    return { value: `pw-${name}`, scramVerifier: `SCRAM-SHA-256$4096:c2FsdA==$${Buffer.from(name).toString("base64")}:AA==` };
}

/** The mock's state for a GeneratedTls: PEM-shaped placeholders per server. */
export function generatedTlsState(name: string, servers: Record<string, unknown>): { caCertPem: string; caKeyPem: string; certs: Record<string, { certPem: string; keyPem: string }> } {
    const certs = Object.fromEntries(Object.keys(servers).map((s) => [s, { certPem: `CERT ${s}`, keyPem: `KEY ${s}` }]));
    return { caCertPem: `CA ${name}`, caKeyPem: `CA KEY ${name}`, certs };
}
