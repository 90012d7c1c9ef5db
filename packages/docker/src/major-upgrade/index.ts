import * as pulumi from "@pulumi/pulumi";
import { packageRequire, PgscaleDynamicResource } from "@pgscale/postgres";
import { DOCKER_PACKAGE, DOCKER_PROVIDER } from "../own-package";
import type { MemberSelector } from "../rolling";
import type { UpgradeInputs, UpgradeOutputs, majorUpgradeHandlers } from "./handlers";

export { majorUpgradeHandlers } from "./handlers";

// A PatroniCluster's major upgrade on Docker. The member containers depend on MajorUpgrade, so
// when postgresVersion goes up, its update (pg_upgrade on the stopped cluster) runs before Pulumi
// replaces them with the new major's image; their gates let that replacement through (the cluster
// is down on purpose), and MajorUpgradeFinish gathers statistics once the cluster is ready again.

type Handlers = typeof majorUpgradeHandlers;
const load = packageRequire(DOCKER_PACKAGE);
const handlers = (): Handlers => load().majorUpgradeHandlers;

// Called through the package's one provider (providers.ts). A state written before that holds this
// object serialized, which loads its handlers through the package (own-package.ts).
export const majorUpgradeProvider: pulumi.dynamic.ResourceProvider = {
    async check(olds, news) {
        return handlers().check(olds, news);
    },
    async diff(_id, olds: UpgradeInputs, news: UpgradeInputs) {
        // `steps` is non-empty exactly when the members run an older major than asked.
        return { changes: olds.version !== news.version || (news.steps ?? []).length > 0 };
    },
    async create(inputs: UpgradeInputs) {
        return { id: `major-upgrade-${Date.now().toString(36)}`, outs: { ...inputs, ...(await handlers().apply(inputs)) } };
    },
    async update(_id, olds: UpgradeInputs & Partial<UpgradeOutputs>, news: UpgradeInputs) {
        return { outs: { ...news, ...(await handlers().apply(news, olds)) } };
    },
};

export interface MajorUpgradeArgs {
    subject: string;
    selector: MemberSelector;
    dockerHost?: pulumi.Input<string | undefined>;
    scope: string;
    version: number;
    members: string[];
    image: { kind: "build" | "pull"; ref: string };
    restUser: string;
    restPassword: pulumi.Input<string>;
    /** The CA (PEM) of the members' REST certificates when they serve HTTPS. */
    restCaPem?: pulumi.Input<string>;
    superuserPassword: pulumi.Input<string>;
    /** The CA (PEM) of the members' PostgreSQL certificates when they require TLS. */
    pgCaPem?: pulumi.Input<string>;
    etcd: pulumi.Input<{ containers: pulumi.Input<string>[]; tls: boolean; auth: boolean; rootPassword: pulumi.Input<string> }>;
    dcsConfig: string;
    /** Give up on each wait after this many seconds. Default 600. */
    timeoutSeconds?: number;
}

/**
 * Carries out a raise of `postgresVersion` (15 -> 17) in place: `steps` shows in
 * `pulumi preview --diff`; `upgradeToken` changes when an upgrade ran.
 */
export class MajorUpgrade extends PgscaleDynamicResource {
    public readonly upgradeToken!: pulumi.Output<string>;
    public readonly steps!: pulumi.Output<string[]>;
    public readonly stoppedSeconds!: pulumi.Output<number | undefined>;
    public readonly extensionUpdates!: pulumi.Output<string | undefined>;

    constructor(name: string, args: MajorUpgradeArgs, opts?: pulumi.CustomResourceOptions) {
        super(DOCKER_PROVIDER, name, {
            timeoutSeconds: 600, ...args, running: undefined, steps: undefined, upgradeToken: undefined, stoppedSeconds: undefined, extensionUpdates: undefined,
            restPassword: pulumi.secret(args.restPassword), superuserPassword: pulumi.secret(args.superuserPassword),
            etcd: pulumi.secret(pulumi.output(args.etcd)),
        }, opts, "pgscale", "MajorUpgrade");
    }
}

interface FinishInputs {
    dockerHost?: string;
    selector: MemberSelector;
    restUser: string;
    restPassword: string;
    restCaPem?: string;
    upgradeToken: string;
    /** False: remove earlier majors' data directories from every member. */
    keepPreviousMajorData: boolean;
    timeoutSeconds: number;
}

export const majorUpgradeFinishProvider: pulumi.dynamic.ResourceProvider = {
    async diff(_id, olds: FinishInputs, news: FinishInputs) {
        return { changes: olds.upgradeToken !== news.upgradeToken || olds.keepPreviousMajorData !== news.keepPreviousMajorData };
    },
    async create(inputs: FinishInputs) {
        // A new cluster has nothing to analyze ("none"); an older stack's first upgrade creates this resource.
        if (inputs.upgradeToken && inputs.upgradeToken !== "none") await handlers().analyze(inputs);
        if (inputs.keepPreviousMajorData === false) await handlers().removePreviousMajorData(inputs);
        return { id: `upgrade-finish-${Date.now().toString(36)}`, outs: inputs };
    },
    async update(_id, olds: FinishInputs, news: FinishInputs) {
        if (news.upgradeToken !== olds.upgradeToken && news.upgradeToken !== "none") await handlers().analyze(news);
        if (news.keepPreviousMajorData === false) await handlers().removePreviousMajorData(news);
        return { outs: news };
    },
};

export interface MajorUpgradeFinishArgs {
    dockerHost?: pulumi.Input<string | undefined>;
    selector: MemberSelector;
    restUser: string;
    restPassword: pulumi.Input<string>;
    /** The CA (PEM) of the members' REST certificates when they serve HTTPS. */
    restCaPem?: pulumi.Input<string>;
    upgradeToken: pulumi.Input<string>;
    keepPreviousMajorData: boolean;
}

/**
 * After the cluster is ready: ANALYZE of every database once an upgrade ran (pg_upgrade transfers
 * no statistics), and with `keepPreviousMajorData: false` the removal of the earlier majors' data
 * directories (the rollback path) from every member.
 */
export class MajorUpgradeFinish extends PgscaleDynamicResource {
    constructor(name: string, args: MajorUpgradeFinishArgs, opts?: pulumi.CustomResourceOptions) {
        super(DOCKER_PROVIDER, name, { timeoutSeconds: 600, ...args, restPassword: pulumi.secret(args.restPassword) }, opts, "pgscale", "MajorUpgradeFinish");
    }
}
