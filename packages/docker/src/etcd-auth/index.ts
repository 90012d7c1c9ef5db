import * as pulumi from "@pulumi/pulumi";
import { etcdDropScopeUserScript, etcdEnableAuthScript, etcdScopeUserScript, patroniEtcdUser, sleep } from "@pgscale/core";
import { packageRequire, PgscaleDynamicResource } from "@pgscale/postgres";
import { execIn } from "../engine/docker-engine";
import { DOCKER_PACKAGE, DOCKER_PROVIDER } from "../own-package";

// etcd's users live in etcd itself, which publishes nothing on the host: the scripts of
// @pgscale/core run inside a member (docker exec), each password on standard input.

export interface EtcdMemberTarget {
    /** The engine the members run on (the docker provider's `host`); unset: DOCKER_HOST. */
    dockerHost?: string;
    /** The members' container names; the first that answers runs the script. */
    containers: string[];
    tls: boolean;
    rootPassword: string;
    /** How long to wait for a member with quorum (a new cluster elects its leader first). */
    timeoutSeconds: number;
}

interface AuthInputs extends EtcdMemberTarget {
    /** "EtcdCluster dcs", in messages. */
    subject: string;
}

interface ScopeUserInputs extends EtcdMemberTarget {
    subject: string;
    scope: string;
    password: string;
}

const WRONG_ROOT_PASSWORD = 3;

/**
 * Runs `script` in the first member that completes it, retrying until the deadline (quorum,
 * restarts). With `doneWhenGone`, a round in which no member container exists any more ends it.
 */
export async function runInMember(t: EtcdMemberTarget, script: string, stdin: string, what: string, opts: { doneWhenGone?: boolean } = {}): Promise<void> {
    let last = "";
    for (const deadline = Date.now() + t.timeoutSeconds * 1000; ;) {
        let gone = 0;
        for (const container of t.containers) {
            try {
                const r = await execIn(container, ["sh", "-c", script], { host: t.dockerHost, stdin });
                if (r.exitCode === 0) return;
                if (r.exitCode === WRONG_ROOT_PASSWORD) throw Object.assign(new Error("wrong root password"), { fatal: true });
                last = `${container}: exit ${r.exitCode}: ${r.stderr.trim().split("\n").filter((l) => !l.startsWith("{")).join(" ") || r.stdout.trim()}`;
            } catch (e) {
                if ((e as { fatal?: boolean }).fatal) throw e;
                if (/no such container/i.test((e as Error).message)) gone++;
                last = `${container}: ${(e as Error).message}`;
            }
        }
        if (opts.doneWhenGone && gone === t.containers.length) return;
        if (Date.now() > deadline) throw new Error(`${what} did not succeed within ${t.timeoutSeconds} s; last answer: ${last}`);
        await sleep(1000);
    }
}

/** What the providers below run, loaded from the installed package when a method runs. */
export const etcdAuthHandlers = {
    async enable(i: AuthInputs): Promise<void> {
        try {
            await runInMember(i, etcdEnableAuthScript(i.tls), `${i.rootPassword}\n`, `${i.subject}: turning on etcd authentication`);
        } catch (e) {
            if ((e as { fatal?: boolean }).fatal) {
                throw new Error(`${i.subject}: etcd authentication is already on with another root password than this stack's (its data volumes hold an earlier cluster's data?); remove the volumes, or restore the state that created them`);
            }
            throw e;
        }
    },
    /** Creates (or realigns) the scope's user and role; resolves to the user's name. */
    async ensureScopeUser(i: ScopeUserInputs): Promise<string> {
        await runInMember(i, etcdScopeUserScript(i.tls, i.scope), `${i.rootPassword}\n${i.password}\n`, `${i.subject}: creating etcd user ${patroniEtcdUser(i.scope)}`);
        return patroniEtcdUser(i.scope);
    },
    /** Removes them; nothing to do when no member container is left (the etcd cluster, and its users, are gone). */
    async dropScopeUser(i: ScopeUserInputs): Promise<void> {
        await runInMember({ ...i, timeoutSeconds: Math.min(i.timeoutSeconds, 30) }, etcdDropScopeUserScript(i.tls, i.scope), `${i.rootPassword}\n`, `${i.subject}: removing etcd user ${patroniEtcdUser(i.scope)}`, { doneWhenGone: true });
    },
};

type Handlers = typeof etcdAuthHandlers;
const load = packageRequire(DOCKER_PACKAGE);
const handlers = (): Handlers => load().etcdAuthHandlers;
const targetChanged = (a: EtcdMemberTarget, b: EtcdMemberTarget) =>
    (a.dockerHost ?? "") !== (b.dockerHost ?? "") || a.containers.join(",") !== b.containers.join(",") || a.tls !== b.tls || a.rootPassword !== b.rootPassword;

// Called through the package's one provider (providers.ts). A state written before that holds this
// object serialized, which loads its handlers through the package (own-package.ts).
export const etcdAuthProvider: pulumi.dynamic.ResourceProvider = {
    async diff(_id, olds: AuthInputs, news: AuthInputs) {
        return { changes: targetChanged(olds, news) };
    },
    async create(inputs: AuthInputs) {
        await handlers().enable(inputs);
        return { id: `etcd-auth-${Date.now().toString(36)}`, outs: inputs };
    },
    async update(_id, _olds, news: AuthInputs) {
        await handlers().enable(news);
        return { outs: news };
    },
};

export const etcdScopeUserProvider: pulumi.dynamic.ResourceProvider = {
    async diff(_id, olds: ScopeUserInputs, news: ScopeUserInputs) {
        return { changes: targetChanged(olds, news) || olds.scope !== news.scope || olds.password !== news.password };
    },
    // Only handlers() here: a module reference in a method would be serialized as a require that
    // an application's pnpm layout cannot resolve from the Pulumi runtime (test/e2e/app-repo.test.ts).
    async create(inputs: ScopeUserInputs) {
        return { id: await handlers().ensureScopeUser(inputs), outs: inputs };
    },
    async update(_id, olds: ScopeUserInputs, news: ScopeUserInputs) {
        if (olds.scope !== news.scope) await handlers().dropScopeUser({ ...news, scope: olds.scope });
        await handlers().ensureScopeUser(news);
        return { outs: news };
    },
    async delete(_id, olds: ScopeUserInputs) {
        await handlers().dropScopeUser(olds);
    },
};

export interface EtcdAuthArgs {
    subject: string;
    dockerHost?: pulumi.Input<string | undefined>;
    containers: pulumi.Input<string>[];
    tls: boolean;
    rootPassword: pulumi.Input<string>;
    /** Seconds to wait for a member with quorum. Default 120. */
    timeoutSeconds?: number;
}

/**
 * Turns on an etcd cluster's authentication once its members run: a `root` user with the given
 * (generated) password and the `root` role. Idempotent; an update checks the password still opens it.
 */
export class EtcdAuth extends PgscaleDynamicResource {
    constructor(name: string, args: EtcdAuthArgs, opts?: pulumi.CustomResourceOptions) {
        super(DOCKER_PROVIDER, name, { timeoutSeconds: 120, ...args, rootPassword: pulumi.secret(args.rootPassword) },
            { ...opts, additionalSecretOutputs: ["rootPassword"] }, "pgscale", "EtcdAuth");
    }
}

export interface EtcdScopeUserArgs extends EtcdAuthArgs {
    /** The Patroni scope: the user and role are `patroni-<scope>`, with readwrite on `/service/<scope>/` only. */
    scope: string;
    password: pulumi.Input<string>;
}

/**
 * A Patroni scope's etcd user and role (readwrite on its own keys, nothing else), kept in line on
 * every update and removed with the cluster (its keys stay).
 */
export class EtcdScopeUser extends PgscaleDynamicResource {
    constructor(name: string, args: EtcdScopeUserArgs, opts?: pulumi.CustomResourceOptions) {
        super(DOCKER_PROVIDER, name, {
            timeoutSeconds: 120, ...args, rootPassword: pulumi.secret(args.rootPassword), password: pulumi.secret(args.password),
        }, { ...opts, additionalSecretOutputs: ["rootPassword", "password"] }, "pgscale", "EtcdScopeUser");
    }
}
