import * as pulumi from "@pulumi/pulumi";
import { POSTGRES_PACKAGE, packageRequire } from "../own-package";
import { POSTGRES_PROVIDER, PgscaleDynamicResource } from "../package-provider";

// Refuses, in `pulumi preview` and before anything depends on it, a change of PostgreSQL major the
// platform cannot carry out: a downgrade, a major taken from a default rather than named, and on a
// platform without an in-place upgrade (`upgradable` false: Kubernetes) any change. Acting on such
// a change would replace members with the new image, whose data directory is empty beside the old
// one (a new, empty cluster, or a 17 binary refusing a 15 PGDATA). An upgrade the platform can do
// passes; its own resource (Docker's MajorUpgrade) checks the running members.

interface GuardInputs {
    /** "PatroniCluster main", for the message. */
    subject: string;
    /** The major the program asks for. */
    version: number;
    /** False when `version` is the default (the program names none): the refusal then says how to keep the old major. Absent in older states: true. */
    versionGiven?: boolean;
    /**
     * The major the cluster was initialised with (the bootstrap FirstValue's firstNote; 15 when
     * its state predates notes). Unknown in a preview when that record is being created (a new
     * cluster), and also when it predates notes: Pulumi previews an output missing from a state
     * as unknown.
     */
    bootstrapVersion: number;
    /** The bootstrap FirstValue's ID: known in a preview exactly when the record already exists. */
    bootstrapRecord: string;
    /** The platform upgrades in place (Docker). Absent in older states: false. */
    upgradable?: boolean;
}

const UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9"; // an input not known during preview

const load = packageRequire(POSTGRES_PACKAGE);

// Called through the package's one provider (providers.ts). A state written before that holds this
// object serialized, which loads @pgscale/core through the package (own-package.ts).
export const postgresVersionGuardProvider: pulumi.dynamic.ResourceProvider = {
    async check(_olds: unknown, news: GuardInputs) {
        const { majorChange, POSTGRES_VERSION_BEFORE_OPTION } = load("@pgscale/core");
        let before: unknown = news.bootstrapVersion;
        if (typeof before !== "number") {
            const recordExists = typeof news.bootstrapRecord === "string" && news.bootstrapRecord !== UNKNOWN && news.bootstrapRecord !== "";
            // A new cluster has nothing to protect yet; an existing record without a note is from before postgresVersion.
            if (!recordExists) return { inputs: news };
            before = POSTGRES_VERSION_BEFORE_OPTION;
        }
        if (typeof news.version !== "number" || typeof before !== "number") return { inputs: news };
        const change = majorChange(news.subject, before, news.version, { upgradable: news.upgradable === true, versionGiven: news.versionGiven !== false });
        return change.kind === "refused" ? { inputs: news, failures: [{ property: "version", reason: change.reason }] } : { inputs: news };
    },
    async diff(_id, olds: GuardInputs, news: GuardInputs) {
        return { changes: olds.version !== news.version || olds.bootstrapVersion !== news.bootstrapVersion };
    },
    async create(inputs: GuardInputs) {
        return { id: `postgres-version-${Date.now().toString(36)}`, outs: inputs };
    },
    async update(_id, _olds, news: GuardInputs) {
        return { outs: news };
    },
};

export interface PostgresVersionGuardArgs {
    subject: string;
    version: number;
    versionGiven: boolean;
    bootstrapVersion: pulumi.Input<number>;
    bootstrapRecord: pulumi.Input<string>;
    /** The platform upgrades a major in place (Docker). Default false. */
    upgradable?: boolean;
}

/**
 * Holds a PatroniCluster's PostgreSQL major to the one it was initialised with; the cluster's
 * volumes, images and members depend on it, so a refused change touches nothing.
 */
export class PostgresVersionGuard extends PgscaleDynamicResource {
    constructor(name: string, args: PostgresVersionGuardArgs, opts?: pulumi.CustomResourceOptions) {
        super(POSTGRES_PROVIDER, name, { ...args }, opts, "pgscale", "PostgresVersionGuard");
    }
}
