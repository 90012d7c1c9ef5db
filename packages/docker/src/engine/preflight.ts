import * as pulumi from "@pulumi/pulumi";
import { packageRequire, PgscaleDynamicResource } from "@pgscale/postgres";
import { dockerEngine, engineOptions } from "./docker-engine";
import { DOCKER_PACKAGE, DOCKER_PROVIDER } from "../own-package";

// Runs before a construct creates anything on the Docker engine (its volumes, network and
// containers depend on it) and in every preview. Two things the docker provider would not stop:
// - Its Volume create hands back an existing volume of the same name, data included, so a cluster
//   created where an earlier one left its volumes would start from the old PGDATA (or etcd data).
// - pgscale's own dynamic providers (rolling gates, HAProxy reload) must reach the engine the
//   containers run on; a `host` they cannot follow is refused here, naming the setting.

interface PreflightInputs {
    /** "PatroniCluster main": who refuses, in messages. */
    subject: string;
    /** The docker provider's `host`; unset: DOCKER_HOST, as the provider itself. */
    dockerHost?: string;
    /** Where the host was set, for messages (`docker:host`, or the provider passed to the construct). */
    hostField: string;
    /** Provider settings pgscale's engine client cannot follow, by name. */
    unsupported: string[];
    /** Docker volumes the construct creates. */
    volumes: string[];
    /** Use a leftover volume of the same name on purpose. */
    adoptExistingVolumes: boolean;
    /** EtcdCluster: its tls/auth, which a running cluster keeps (absent in states from before they existed: both off). */
    etcdSecurity?: { tls: boolean; auth: boolean };
    /** PatroniCluster: restApi.https, which a running cluster keeps (absent in states from before it existed: false). */
    restApiHttps?: boolean;
    /**
     * PatroniCluster: tls.enabled, which a running cluster keeps, and whether the program set it
     * (absent in states from before it was recorded: false, unless the program sets it).
     */
    postgresTls?: { enabled: boolean; explicit: boolean };
    /** Labels of this stack's containers: their own volumes are not leftovers. */
    project: string;
    stack: string;
}

interface Failure {
    property: string;
    reason: string;
}

const UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9"; // an input not known during preview
const LOOPBACK = /^(127\.[0-9.]+|localhost|::1)$/;

async function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => { timer = setTimeout(() => reject(new Error(`${what}: no answer within ${ms / 1000} s`)), ms); });
    try {
        return await Promise.race([p, timeout]);
    } finally {
        clearTimeout(timer);
    }
}

/** What the provider below runs, loaded from the installed package when a method runs. */
export const preflightHandlers = {
    async problems(olds: Partial<PreflightInputs> | undefined, i: PreflightInputs): Promise<Failure[]> {
        const failures: Failure[] = [];
        const host = i.dockerHost === UNKNOWN ? undefined : i.dockerHost;
        if (i.dockerHost === UNKNOWN || (i.unsupported ?? []).includes(UNKNOWN)) return failures; // checked again at `up`
        for (const setting of i.unsupported ?? []) {
            failures.push({ property: setting, reason: `${i.subject}: the docker provider's \`${setting}\` is set, but pgscale's dynamic providers (rolling gates, HAProxy reload), which must act on the same engine, reach it only through a plain \`host\` (unix:///path or tcp://127.0.0.1:port); unset \`${setting}\` or use such a host` });
        }
        let target;
        try {
            target = engineOptions(host);
        } catch (e) {
            failures.push({ property: "dockerHost", reason: `${i.subject}: ${i.hostField} = ${host}: ${(e as Error).message}` });
            return failures;
        }
        if (target.host !== undefined && !LOOPBACK.test(String(target.host))) {
            failures.push({ property: "dockerHost", reason: `${i.subject}: ${i.hostField} = ${host} is another machine's engine; pgscale publishes members on the engine's loopback (127.0.0.1) and connects there, so it needs an engine on this machine` });
            return failures;
        }
        if (olds?.volumes && i.etcdSecurity) {
            const before = olds.etcdSecurity ?? { tls: false, auth: false };
            for (const field of ["tls", "auth"] as const) {
                if (before[field] === i.etcdSecurity[field]) continue;
                failures.push({ property: field, reason: `${i.subject}: ${field} is ${i.etcdSecurity[field]}, but the running members were created with ${field} ${before[field]}${olds.etcdSecurity ? "" : " (the default before pgscale locked etcd)"}; etcd keeps its members' URLs and users in its data, so replacing the containers cannot switch it. Set \`${field}: ${before[field]}\` to keep the running cluster (docs/security.md "The control plane" shows how to move a stack to a locked etcd)` });
            }
        }
        if (olds?.volumes && i.restApiHttps !== undefined) {
            const before = olds.restApiHttps ?? false;
            if (before !== i.restApiHttps) {
                failures.push({ property: "restApi.https", reason: `${i.subject}: restApi.https is ${i.restApiHttps}, but the running members were created with restApi.https ${before}${olds.restApiHttps === undefined ? " (the default before pgscale served Patroni's REST API over HTTPS)" : ""}; the members, HAProxy's checks and pgscale's own calls cannot all switch scheme at once. Set \`restApi: { https: ${before} }\` to keep the running cluster (docs/security.md "The control plane")` });
            }
        }
        if (olds?.volumes && i.postgresTls !== undefined) {
            // Before it was recorded, the program's own value is the truth; only the default is refused.
            const before = olds.postgresTls?.enabled ?? (i.postgresTls.explicit ? i.postgresTls.enabled : false);
            if (before !== i.postgresTls.enabled) {
                failures.push({ property: "tls.enabled", reason: `${i.subject}: tls.enabled is ${i.postgresTls.enabled}, but the running members were created with tls.enabled ${before}${olds.postgresTls === undefined ? " (the default before pgscale required TLS)" : ""}; the members replicate with the same sslmode they require, so replacing them one by one cannot switch it, and clients of the other kind would be cut off. Set \`tls: { enabled: ${before} }\` to keep the running cluster (docs/security.md "TLS")` });
            }
        }
        if (failures.length) return failures;
        const engine = dockerEngine(host);
        let existing: Set<string>;
        try {
            await withTimeout(engine.ping(), 10_000, "ping");
            existing = new Set(((await engine.listVolumes()).Volumes ?? []).map((v) => v.Name));
        } catch (e) {
            const where = host ? `${i.hostField} = ${host}` : "DOCKER_HOST (the docker provider's `host` is unset)";
            failures.push({ property: "dockerHost", reason: `${i.subject}: the Docker engine at ${where} cannot be reached: ${(e as Error).message}` });
            return failures;
        }
        if (i.adoptExistingVolumes) return failures;
        const known = new Set(olds?.volumes ?? []); // created by this stack already
        for (const name of i.volumes.filter((v) => !known.has(v) && existing.has(v))) {
            // A volume a live container of this stack mounts is its own (a stack that predates this check).
            const users = await engine.listContainers({ all: true, filters: { volume: [name] } });
            if (users.some((c) => c.Labels?.["pgscale.project"] === i.project && c.Labels?.["pgscale.stack"] === i.stack)) continue;
            failures.push({ property: "volumes", reason: `${i.subject}: Docker volume ${name} already exists (left by an earlier deployment?); the docker provider would reuse it, and the new cluster would start from its old data. Remove it (docker volume rm ${name}), or set \`adoptExistingVolumes: true\` to use it on purpose` });
        }
        return failures;
    },
    async assertNone(olds: Partial<PreflightInputs> | undefined, i: PreflightInputs): Promise<void> {
        const failures = await preflightHandlers.problems(olds, i);
        if (failures.length) throw new Error(failures.map((f) => f.reason).join("\n"));
    },
};

const load = packageRequire(DOCKER_PACKAGE);
type Handlers = typeof preflightHandlers;
const handlers = (): Handlers => load().preflightHandlers;
const stable = (i: Partial<PreflightInputs>) => JSON.stringify([i.dockerHost ?? "", i.unsupported ?? [], [...(i.volumes ?? [])].sort(), i.adoptExistingVolumes ?? false, i.etcdSecurity ?? null, i.restApiHttps ?? null, i.postgresTls?.enabled ?? null]);

// Called through the package's one provider (providers.ts). A state written before that holds this
// object serialized, which loads its handlers through the package (own-package.ts).
export const dockerPreflightProvider: pulumi.dynamic.ResourceProvider = {
    async check(olds: Partial<PreflightInputs>, news: PreflightInputs) {
        return { inputs: news, failures: await handlers().problems(olds?.volumes ? olds : undefined, news) };
    },
    async diff(_id, olds: PreflightInputs, news: PreflightInputs) {
        return { changes: stable(olds) !== stable(news) };
    },
    async create(inputs: PreflightInputs) {
        await handlers().assertNone(undefined, inputs);
        return { id: `preflight-${Date.now().toString(36)}`, outs: inputs };
    },
    async update(_id, olds: PreflightInputs, news: PreflightInputs) {
        await handlers().assertNone(olds, news);
        return { outs: news };
    },
};

export interface DockerPreflightArgs {
    subject: string;
    dockerHost?: pulumi.Input<string | undefined>;
    hostField: string;
    unsupported: pulumi.Input<string[]>;
    volumes: string[];
    adoptExistingVolumes?: boolean;
    /** EtcdCluster: its tls/auth; a change on a running cluster is refused. */
    etcdSecurity?: { tls: boolean; auth: boolean };
    /** PatroniCluster: restApi.https; a change on a running cluster is refused. */
    restApiHttps?: boolean;
    /** PatroniCluster: tls.enabled and whether the program set it; a change on a running cluster is refused. */
    postgresTls?: { enabled: boolean; explicit: boolean };
}

/**
 * Refuses, before the construct creates anything, a leftover Docker volume of a name it would
 * create (unless `adoptExistingVolumes`) and a docker `host` pgscale's own providers cannot act on.
 */
export class DockerPreflight extends PgscaleDynamicResource {
    constructor(name: string, args: DockerPreflightArgs, opts?: pulumi.CustomResourceOptions) {
        super(DOCKER_PROVIDER, name, {
            adoptExistingVolumes: false, ...args, project: pulumi.getProject(), stack: pulumi.getStack(),
        }, opts, "pgscale", "DockerPreflight");
    }
}
