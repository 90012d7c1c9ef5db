import * as pulumi from "@pulumi/pulumi";
import { packageRequire } from "@pgscale/postgres";
import { DOCKER_PACKAGE } from "../own-package";
import type { MemberSelector } from "../rolling";
import type { UpgradeInputs, UpgradeOutputs, majorUpgradeHandlers } from "./handlers";

export { majorUpgradeHandlers } from "./handlers";

// A PatroniCluster's major upgrade on Docker. The member containers depend on MajorUpgrade, so
// when postgresVersion goes up, its update (pg_upgrade on the stopped cluster) runs before Pulumi
// replaces them with the new major's image; their gates let that replacement through (the cluster
// is down on purpose), and MajorUpgradeAnalyze gathers statistics once the cluster is ready again.

type Handlers = typeof majorUpgradeHandlers;
const load = packageRequire(DOCKER_PACKAGE);
const handlers = (): Handlers => load().majorUpgradeHandlers;

// Serialized into the state: captures only where the package is (own-package.ts).
const provider: pulumi.dynamic.ResourceProvider = {
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
    superuserPassword: pulumi.Input<string>;
    etcd: pulumi.Input<{ containers: pulumi.Input<string>[]; tls: boolean; auth: boolean; rootPassword: pulumi.Input<string> }>;
    dcsConfig: string;
    /** Give up on each wait after this many seconds. Default 600. */
    timeoutSeconds?: number;
}

/**
 * Carries out a raise of `postgresVersion` (15 -> 17) in place: `steps` shows in
 * `pulumi preview --diff`; `upgradeToken` changes when an upgrade ran.
 */
export class MajorUpgrade extends pulumi.dynamic.Resource {
    public readonly upgradeToken!: pulumi.Output<string>;
    public readonly steps!: pulumi.Output<string[]>;
    public readonly stoppedSeconds!: pulumi.Output<number | undefined>;
    public readonly extensionUpdates!: pulumi.Output<string | undefined>;

    constructor(name: string, args: MajorUpgradeArgs, opts?: pulumi.CustomResourceOptions) {
        super(provider, name, {
            timeoutSeconds: 600, ...args, running: undefined, steps: undefined, upgradeToken: undefined, stoppedSeconds: undefined, extensionUpdates: undefined,
            restPassword: pulumi.secret(args.restPassword), superuserPassword: pulumi.secret(args.superuserPassword),
            etcd: pulumi.secret(pulumi.output(args.etcd)),
        }, opts, "pgscale", "MajorUpgrade");
    }
}

interface AnalyzeInputs {
    dockerHost?: string;
    selector: MemberSelector;
    restUser: string;
    restPassword: string;
    upgradeToken: string;
    timeoutSeconds: number;
}

const analyzeProvider: pulumi.dynamic.ResourceProvider = {
    async diff(_id, olds: AnalyzeInputs, news: AnalyzeInputs) {
        return { changes: olds.upgradeToken !== news.upgradeToken };
    },
    async create(inputs: AnalyzeInputs) {
        // A new cluster has nothing to analyze ("none"); an older stack's first upgrade creates this resource.
        if (inputs.upgradeToken && inputs.upgradeToken !== "none") await handlers().analyze(inputs);
        return { id: `analyze-${Date.now().toString(36)}`, outs: inputs };
    },
    async update(_id, _olds, news: AnalyzeInputs) {
        await handlers().analyze(news);
        return { outs: news };
    },
};

/** ANALYZE of every database once an upgraded cluster is ready (pg_upgrade transfers no statistics). */
export class MajorUpgradeAnalyze extends pulumi.dynamic.Resource {
    constructor(name: string, args: { dockerHost?: pulumi.Input<string | undefined>; selector: MemberSelector; restUser: string; restPassword: pulumi.Input<string>; upgradeToken: pulumi.Input<string> }, opts?: pulumi.CustomResourceOptions) {
        super(analyzeProvider, name, { timeoutSeconds: 600, ...args, restPassword: pulumi.secret(args.restPassword) }, opts, "pgscale", "MajorUpgradeAnalyze");
    }
}
