import { z } from "zod";

// Which image each construct runs. Three sources, in order: an explicit `image` reference, the
// user's registry (`images.registry` + `images.tag`, as `pgscale images build --push` fills it),
// or pgscale's own image built on the engine from the Dockerfiles that @pgscale/docker ships.
// The last never pulls: pgscale owns no registry namespace, and a pull of `pgscale/<name>`
// would fetch whatever someone else published under that name.

// `patroni` is PostgreSQL 15 + Patroni 3 (bookworm), `patroni-17` PostgreSQL 17 + Patroni 4 (trixie):
// one image per major version, so an existing stack's `pgscale/patroni` never changes major under
// it, and `postgresVersion` picks the image (see postgres-version.ts).
// `exporters` (postgres_exporter, pgbouncer_exporter) and `prometheus` (Prometheus, promtool,
// Alertmanager) serve `monitoring` and the Prometheus construct.
// `pg-upgrade` (patroni-17 plus PostgreSQL 15's server) runs only in the one-off container of a
// major upgrade; it is built from patroni-17, so it comes after it.
export const IMAGE_NAMES = ["etcd", "patroni", "patroni-17", "pg-upgrade", "haproxy", "pgbouncer", "exporters", "prometheus"] as const;
export type ImageName = (typeof IMAGE_NAMES)[number];

/**
 * Version of pgscale's image set, the tag `pgscale images build --push` gives the whole set;
 * kept equal to packages/docker/images/VERSION (a unit test checks).
 */
export const IMAGE_VERSION = "0.12.0";

/**
 * The image-set version in which each image's content last changed: its local tag. An image keeps
 * its tag until its Dockerfile changes, so a new pgscale release never rolls a Kubernetes
 * StatefulSet (nor replaces a Docker container) whose image it did not change. 0.2.0 moved
 * HAProxy (3.0) and PgBouncer (1.24) to Debian trixie; 0.3.0 added pgBackRest and the backup
 * scheduler to patroni-17; 0.4.0 added the monitoring images (exporters, prometheus); 0.5.0 gave
 * patroni-17's backup scheduler its metrics endpoint; 0.6.0 added pg-upgrade; 0.7.0 let the
 * backup scheduler (patroni-17, and pg-upgrade built from it) verify an HTTPS REST API; 0.8.0 let it
 * take backups on a streaming replica, run pgBackRest's TLS server and scheduled restore drills;
 * 0.9.0 gave it the backup lease in the DCS and the drill's metrics; 0.10.0 let it hold the lease in
 * Patroni's Kubernetes DCS (a Lease object), and read etcd's CA file on each connection (a rotated
 * CA's bundle, delivered in place); 0.11.0 has the primary's scheduler run pgbackrest check once per
 * primary (bootstrap, failover, switchover); 0.12.0 has a new primary's scheduler try stanza-create
 * again at its next look while archive-push holds pgBackRest's archive lock, not a minute later.
 */
const IMAGE_TAGS: Readonly<Record<ImageName, string>> = {
    etcd: "0.1.0", patroni: "0.1.0", "patroni-17": "0.12.0", "pg-upgrade": "0.12.0", haproxy: "0.2.0", pgbouncer: "0.2.0", exporters: "0.4.0", prometheus: "0.4.0",
};

/** Local tags of pgscale's own images (built on the engine, never pulled). */
export const DEFAULT_IMAGES: Readonly<Record<ImageName, string>> = Object.freeze(
    Object.fromEntries(IMAGE_NAMES.map((n) => [n, `pgscale/${n}:${IMAGE_TAGS[n]}`])) as Record<ImageName, string>,
);

// host[:port] as its own first component: a '.' or ':' in it, or "localhost" (Docker's rule).
const isRegistryHost = (c: string) => c.includes(".") || c.includes(":") || c === "localhost";
const component = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$/;
const hostComponent = /^[A-Za-z0-9.-]+(?::[0-9]+)?$/;
const tagRe = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/;

/** Problems with a `[host[:port]/]path` repository (no tag, no digest), or [] when it is one. */
function repositoryProblems(repo: string): string[] {
    const parts = repo.split("/");
    const [first, ...rest] = parts;
    const path = parts.length > 1 && isRegistryHost(first) ? rest : parts;
    if (parts.length > 1 && isRegistryHost(first) && !hostComponent.test(first)) return [`"${first}" is not a registry host[:port]`];
    if (path.length === 0) return ["names no repository path"];
    const bad = path.filter((c) => !component.test(c));
    return bad.length ? [`"${bad[0]}" is not a repository path component (lower-case letters, digits, '.', '_', '-')`] : [];
}

/** Problems with a registry and path (`host[:port][/path]`), which must carry no tag or digest. */
function registryProblems(v: string): string[] {
    const [first, ...path] = v.replace(/\/+$/, "").split("/");
    if (/@/.test(v) || /:(?![0-9]+$)/.test(first) || path.some((c) => c.includes(":")))
        return ["carries a tag or digest: give the registry and path alone, and the tag as images.tag"];
    if (!hostComponent.test(first)) return [`"${first}" is not a registry host[:port]`];
    const bad = path.filter((c) => !component.test(c));
    return bad.length ? [`"${bad[0]}" is not a repository path component (lower-case letters, digits, '.', '_', '-')`] : [];
}

/**
 * An image reference with a tag or digest. An untagged reference means `:latest`, which moves
 * under a running cluster: the next `pulumi up` would replace every node with whatever it is then.
 */
export const imageReference = z.string().superRefine((v, ctx) => {
    const at = v.indexOf("@");
    const name = at >= 0 ? v.slice(0, at) : v;
    const digest = at >= 0 ? v.slice(at + 1) : undefined;
    const slash = name.lastIndexOf("/");
    const colon = name.lastIndexOf(":");
    const tag = colon > slash ? name.slice(colon + 1) : undefined;
    const repo = colon > slash ? name.slice(0, colon) : name;
    const problems = repositoryProblems(repo);
    if (digest !== undefined && !/^sha256:[a-f0-9]{64}$/.test(digest)) problems.push(`digest "${digest}" is not sha256:<64 hex digits>`);
    if (tag !== undefined && !tagRe.test(tag)) problems.push(`tag "${tag}" is not a valid tag`);
    if (tag === undefined && digest === undefined)
        problems.push("must name a tag or digest (e.g. registry.example.com/team/patroni:0.1.0): an untagged image is :latest, which changes under a running cluster");
    for (const message of problems) ctx.addIssue({ code: "custom", message: `${JSON.stringify(v)}: ${message}` });
});

/** Where pgscale's images come from when a construct names no `image` of its own. */
export const imagesSpec = z.strictObject({
    /**
     * Registry and path holding pgscale's images, as `pgscale images build --push REGISTRY`
     * pushed them (`REGISTRY/etcd:TAG`, `REGISTRY/patroni:TAG`, ...). Default: none, and each
     * image is built on the engine from the Dockerfiles shipped in @pgscale/docker.
     */
    registry: z.string().superRefine((v, ctx) => {
        for (const message of registryProblems(v)) ctx.addIssue({ code: "custom", message: `${JSON.stringify(v)}: ${message}` });
    }).optional(),
    /** Tag the images were pushed with. Required with `registry`: pgscale never guesses a tag to pull. */
    tag: z.string().regex(tagRe, "must be a Docker tag (letters, digits, '_', '.', '-'; at most 128)").optional(),
}).superRefine((v, ctx) => {
    if (v.registry !== undefined && v.tag === undefined)
        ctx.addIssue({ code: "custom", path: ["tag"], message: `is required with images.registry: the tag \`pgscale images build --push\` printed (${IMAGE_VERSION} for this version)` });
    if (v.tag !== undefined && v.registry === undefined)
        ctx.addIssue({ code: "custom", path: ["registry"], message: "is required with images.tag: a tag alone names no image" });
});
export type ImagesSpec = z.output<typeof imagesSpec>;

/** What a construct does to get an image: pull a reference, or build pgscale's own on the engine. */
export type ImageSource = { kind: "pull"; ref: string } | { kind: "build"; name: ImageName; ref: string };

export function imageSource(name: ImageName, spec: { image?: string; images?: ImagesSpec }): ImageSource {
    if (spec.image !== undefined) return { kind: "pull", ref: spec.image };
    if (spec.images?.registry !== undefined) return { kind: "pull", ref: `${spec.images.registry.replace(/\/+$/, "")}/${name}:${spec.images.tag}` };
    return { kind: "build", name, ref: DEFAULT_IMAGES[name] };
}
