import * as pulumi from "@pulumi/pulumi";
import { certificateValidity, etcdHandOffScript, normalSerial, sleep } from "@pgscale/core";
import { packageRequire, PgscaleDynamicResource } from "@pgscale/postgres";
import { dockerEngine, execIn } from "../engine/docker-engine";
import { DOCKER_PACKAGE, DOCKER_PROVIDER } from "../own-package";

// A server's certificate, key and CA reach its running container through the engine (docker exec),
// never through the container's `uploads`: a changed upload replaces the container (a restart of
// PostgreSQL, a new host port for PgBouncer). The files land in `dir`, in the container's own
// layer, which a restart keeps (not a data volume: a test cluster's may be a tmpfs, which a restart
// empties), written by the service user (the key 0600, as
// PostgreSQL and PgBouncer want it) and swapped in by rename; the service then reloads them in
// place. The container's entrypoint waits for them, so a new or replaced container starts with
// the current certificate, never the one from the stack's creation.

interface DeliveryInputs {
    /** The container; a replaced container gets the files again. */
    containerId: string;
    /** The engine the container runs on (the docker provider's `host`); unset: DOCKER_HOST. */
    dockerHost?: string;
    /** The service user that owns and reads the files. */
    user: string;
    /** Directory of `server.crt`, `server.key` (0600) and `ca.crt`. */
    dir: string;
    certPem: string;
    keyPem: string;
    caPem: string;
    /** Shell run as `user` after files the service already had changed, to reload them in place. */
    reload: string;
    /** Ports at which the service must present the new certificate after the reload (`starttls: "postgres"` for PostgreSQL's protocol). */
    serves: Array<{ port: number; starttls?: "postgres" }>;
    /** Give up waiting for the service to present the new certificate after this many seconds. */
    timeoutSeconds: number;
    /** The three files' names in `dir`. Default server.crt, server.key, ca.crt. */
    names?: FileNames;
    /** The key readable by all (0644), for a service that reads a file `user` (root) writes; default 0600. */
    keyReadableByAll?: boolean;
    /** More trust files (absolute paths, 0644), written with the others and before the certificate. */
    trustFiles?: Array<{ path: string; pem: string }>;
    /** The service reads its CA file only when it starts: restart the container when that file is newer than its start, then wait until it is healthy again. */
    restartOnNewCa?: boolean;
    /** The container is an etcd member: restartOnNewCa hands its leadership over and kills it (below). */
    etcdMember?: EtcdMemberRestart;
}

interface EtcdMemberRestart {
    tls: boolean;
    /** The members to hand the leadership to, in order of preference (names). */
    handOffTo: string[];
}

interface FileNames { cert: string; key: string; ca: string }
const DEFAULT_NAMES: FileNames = { cert: "server.crt", key: "server.key", ca: "ca.crt" };

// Runs as the service user, in one exec (each exec costs the engine a round trip, and a new
// container waits for its files): the files arrive on standard input, one after another, and each
// is read by its byte count (GNU head reads no further); the key is created 0600 (0644 with
// keyReadableByAll) and never appears in an argument or the environment. Then all replace the old
// ones only once all are written, the key before the certificate (a reload between them is
// harmless: the service keeps its old pair when the two do not match, and the next reload takes
// the new one), the certificate last (an entrypoint that waits for it finds every other file in
// place); a file whose content is the same stays as it was (its time tells restartOnNewCa whether
// the service started before it).
export function deliveryScript(dir: string, f: FileNames, files: { key: number; cert: number; ca: number; trust: Array<{ path: string; bytes: number }> }, keyReadableByAll = false): string {
    const trust = files.trust.map((t) => t.path);
    const all = [f.cert, f.key, f.ca, ...trust];
    return `set -eu
take() { head -c "$1" > "$2"; [ "$(wc -c < "$2")" -eq "$1" ] || { echo "$2: $1 bytes expected on standard input" >&2; exit 1; }; }
umask ${keyReadableByAll ? "022" : "077"}; mkdir -p ${dir}; cd ${dir}
take ${files.key} ${f.key}.next
umask 022
take ${files.cert} ${f.cert}.next
take ${files.ca} ${f.ca}.next
${files.trust.map((t) => `take ${t.bytes} ${t.path}.next\n`).join("")}same=yes
for f in ${all.join(" ")}; do cmp -s "$f.next" "$f" || same=no; done
if [ $same = yes ]; then
  rm -f ${all.map((x) => `"${x}.next"`).join(" ")}; echo unchanged; exit 0
fi
had=no; [ -f ${f.cert} ] && had=yes
for f in ${[...trust, f.ca, f.key, f.cert].join(" ")}; do if cmp -s "$f.next" "$f"; then rm -f "$f.next"; else mv "$f.next" "$f"; fi; done
if [ $had = yes ]; then echo replaced; else echo created; fi`;
}

// The serial number of the certificate presented at a port inside the container (its own openssl).
const servedSerialScript = (s: { port: number; starttls?: string }) =>
    `openssl s_client -connect 127.0.0.1:${s.port}${s.starttls ? ` -starttls ${s.starttls}` : ""} </dev/null 2>/dev/null | openssl x509 -noout -serial`;

/** What the provider below runs, loaded from the installed package when a method runs. */
export const certDeliveryHandlers = {
    async apply(i: DeliveryInputs): Promise<"unchanged" | "created" | "replaced"> {
        const run = async (script: string, stdin?: string) => {
            const r = await execIn(i.containerId, ["sh", "-c", script], { user: i.user, host: i.dockerHost, ...(stdin !== undefined ? { stdin } : {}) });
            if (r.exitCode !== 0) throw new Error(`delivering the TLS certificate to container ${i.containerId.slice(0, 12)} failed (exit ${r.exitCode}): ${r.stderr.trim()}`);
            return r.stdout.trim();
        };
        const names = i.names ?? DEFAULT_NAMES;
        // An etcd member left killed by an `up` interrupted between its kill and its start (below).
        if (i.etcdMember) await startIfStopped(i);
        const trust = i.trustFiles ?? [];
        const bytes = (pem: string) => Buffer.byteLength(pem, "utf8");
        const script = deliveryScript(i.dir, names, {
            key: bytes(i.keyPem), cert: bytes(i.certPem), ca: bytes(i.caPem), trust: trust.map((t) => ({ path: t.path, bytes: bytes(t.pem) })),
        }, i.keyReadableByAll);
        const outcome = (await run(script, [i.keyPem, i.certPem, i.caPem, ...trust.map((t) => t.pem)].join(""))).split("\n").pop() as "unchanged" | "created" | "replaced";
        if (i.restartOnNewCa) await restartOnNewCa(i, `${i.dir}/${names.ca}`);
        // Created: the entrypoint was waiting for the files and starts the service with them.
        if (outcome === "created") return outcome;
        // Reload where a port presents another certificate (also after a reload that failed on an
        // earlier `up`, when the files are already the new ones); a port that presents none is a
        // service still starting, which reads the files as it starts.
        const want = certificateValidity(i.certPem).serial;
        const served = async (port: { port: number; starttls?: string }) => {
            const r = await execIn(i.containerId, ["sh", "-c", servedSerialScript(port)], { user: i.user, host: i.dockerHost });
            return r.stdout.trim() ? normalSerial(r.stdout) : "";
        };
        const stale: DeliveryInputs["serves"] = [];
        for (const port of i.serves) if (![want, ""].includes(await served(port))) stale.push(port);
        if (stale.length === 0) return outcome;
        await run(i.reload);
        for (const port of stale) {
            for (const deadline = Date.now() + i.timeoutSeconds * 1000; ; await sleep(250)) {
                const seen = await served(port);
                if (seen === want) break;
                if (Date.now() >= deadline) {
                    throw new Error(`container ${i.containerId.slice(0, 12)} still presents certificate ${seen || "(none)"} at port ${port.port} ${i.timeoutSeconds} s after the reload, not the renewed ${want}`);
                }
            }
        }
        return outcome;
    },
};

/**
 * Restarts the container when its CA file changed after it started (this delivery, or one that
 * failed before the restart), and waits until its health check passes again. Deliveries that may
 * restart are chained one after another by their owner, so at most one member is down at a time.
 */
async function restartOnNewCa(i: DeliveryInputs, caFile: string): Promise<void> {
    const c = dockerEngine(i.dockerHost).getContainer(i.containerId);
    const started = (await c.inspect()).State.StartedAt as string;
    const r = await execIn(i.containerId, ["date", "-u", "-r", caFile, "+%Y-%m-%dT%H:%M:%S.%NZ"], { user: i.user, host: i.dockerHost });
    if (r.exitCode !== 0) throw new Error(`reading the time of ${caFile} in container ${i.containerId.slice(0, 12)} failed: ${r.stderr.trim()}`);
    if (!(isoNanos(r.stdout.trim()) > isoNanos(started))) return;
    if (i.etcdMember) await stopEtcdMember(i, i.etcdMember);
    await c.restart();
    await untilHealthy(i, started, "its restart for a new CA");
}

/** Waits until the container runs anew (not since `startedBefore`) and its health check passes; `after` names what it waits after. */
async function untilHealthy(i: DeliveryInputs, startedBefore: string | undefined, after: string): Promise<void> {
    const c = dockerEngine(i.dockerHost).getContainer(i.containerId);
    for (const deadline = Date.now() + i.timeoutSeconds * 1000; ; await sleep(500)) {
        const s = (await c.inspect()).State;
        if (s.StartedAt !== startedBefore && s.Health?.Status === "healthy") return;
        if (Date.now() >= deadline) throw new Error(`container ${i.containerId.slice(0, 12)} is not healthy ${i.timeoutSeconds} s after ${after} (health: ${s.Health?.Status ?? "none"})`);
    }
}

/**
 * Stops an etcd member so that no client sees an error it would not retry (@pgscale/core
 * etcd-restart.ts): a leader first hands its leadership to another member, then the member is
 * killed, which closes its clients' connections instead of answering their requests in flight with
 * gRPC errors as its graceful stop does. The restart that follows starts it again: a kill marks the
 * container stopped by hand, so its restart policy would not.
 */
async function stopEtcdMember(i: DeliveryInputs, m: EtcdMemberRestart): Promise<void> {
    const r = await execIn(i.containerId, ["bash", "-c", etcdHandOffScript(m.tls), "hand-off", ...m.handOffTo], { user: i.user, host: i.dockerHost });
    if (r.exitCode !== 0) throw new Error(`handing etcd's leadership over in member ${i.containerId.slice(0, 12)} failed (exit ${r.exitCode}): ${(r.stderr || r.stdout).trim()}`);
    await dockerEngine(i.dockerHost).getContainer(i.containerId).kill({ signal: "SIGKILL" });
}

/**
 * Starts an etcd member that is not running and waits until it is healthy: a kill marks it stopped
 * by hand, so an `up` interrupted between stopEtcdMember and the restart leaves it stopped for good.
 */
async function startIfStopped(i: DeliveryInputs): Promise<void> {
    const c = dockerEngine(i.dockerHost).getContainer(i.containerId);
    if ((await c.inspect()).State.Running) return;
    await c.start();
    await untilHealthy(i, undefined, "its start (an etcd member left stopped)");
}

/** An RFC 3339 time with up to nanoseconds as a sortable string (the engine's StartedAt, `date +%N`). */
function isoNanos(t: string): string {
    const m = /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(?:\.(\d+))?Z$/.exec(t);
    if (!m) throw new Error(`unexpected time ${JSON.stringify(t)}`);
    return `${m[1]}.${(m[2] ?? "").padEnd(9, "0")}`;
}

type Handlers = typeof certDeliveryHandlers;
const load = packageRequire(DOCKER_PACKAGE);
const handlers = (): Handlers => load().certDeliveryHandlers;

const sameInputs = (a: DeliveryInputs, b: DeliveryInputs) =>
    a.containerId === b.containerId && a.certPem === b.certPem && a.keyPem === b.keyPem && a.caPem === b.caPem &&
    a.dir === b.dir && (a.dockerHost ?? "") === (b.dockerHost ?? "") && JSON.stringify(a.trustFiles ?? []) === JSON.stringify(b.trustFiles ?? []) &&
    JSON.stringify(a.names ?? DEFAULT_NAMES) === JSON.stringify(b.names ?? DEFAULT_NAMES) && !!a.keyReadableByAll === !!b.keyReadableByAll;

// Called through the package's one provider (providers.ts). A state written before that holds this
// object serialized, which loads its handlers through the package (own-package.ts).
export const certificateDeliveryProvider: pulumi.dynamic.ResourceProvider = {
    async diff(_id, olds: DeliveryInputs, news: DeliveryInputs) {
        return { changes: !sameInputs(olds, news) || olds.reload !== news.reload || JSON.stringify(olds.serves) !== JSON.stringify(news.serves) };
    },
    async create(inputs: DeliveryInputs) {
        await handlers().apply(inputs);
        return { id: `tls-delivery-${Date.now().toString(36)}`, outs: inputs };
    },
    async update(_id, olds: DeliveryInputs, news: DeliveryInputs) {
        // Only a change of what lands in the container is delivered; a new reload command alone is recorded.
        if (!sameInputs(olds, news)) await handlers().apply(news);
        return { outs: news };
    },
};

export interface CertificateDeliveryArgs {
    containerId: pulumi.Input<string>;
    /** The engine the container runs on (the docker provider's `host`); unset: DOCKER_HOST. */
    dockerHost?: pulumi.Input<string | undefined>;
    /** The service user that owns the files (the container's user). */
    user: string;
    /** Directory for `server.crt`, `server.key` and `ca.crt`; must outlive a restart of the container. */
    dir: string;
    certPem: pulumi.Input<string>;
    keyPem: pulumi.Input<string>;
    caPem: pulumi.Input<string>;
    /** Shell run as `user` in the container to reload the files in place. */
    reload: string;
    /** Ports that must present the new certificate after a reload. */
    serves: Array<{ port: number; starttls?: "postgres" }>;
    /** Seconds to wait for them (or for a restarted container's health). Default 30. */
    timeoutSeconds?: number;
    /** The three files' names in `dir`. Default server.crt, server.key, ca.crt. */
    names?: FileNames;
    /** Write the key 0644: for a service that reads files root writes (`user: "root"`). Default false (0600, owned by `user`). */
    keyReadableByAll?: boolean;
    /** More trust files the service reads (absolute paths, 0644, in directories `user` may write), kept equal to the PEMs given. Default none. */
    trustFiles?: pulumi.Input<Array<{ path: string; pem: pulumi.Input<string> }>>;
    /**
     * The service reads its CA file only when it starts (etcd's peer trust): when that file is
     * newer than the container's start, restart the container and wait for its health check.
     * Default false.
     */
    restartOnNewCa?: boolean;
    /**
     * With restartOnNewCa, the container is a member of an etcd cluster with `tls` as given: before
     * its restart, it hands etcd's leadership to the first of `handOffTo` (member names) if it leads,
     * and it is killed rather than stopped (etcd's graceful stop fails the requests in flight with
     * errors Patroni does not retry). Default: a plain restart.
     */
    etcdMember?: EtcdMemberRestart;
}

/**
 * Keeps a running container's TLS files equal to the given certificate, key and CA, and reloads
 * the service in place when they change: a renewed certificate is an update of this resource in
 * `pulumi preview`, and the container stays. Done when every port in `serves` presents the new
 * certificate. The key is a secret input and crosses to the container on standard input.
 */
export class CertificateDelivery extends PgscaleDynamicResource {
    constructor(name: string, args: CertificateDeliveryArgs, opts?: pulumi.CustomResourceOptions) {
        super(DOCKER_PROVIDER, name, { timeoutSeconds: 30, ...args, keyPem: pulumi.secret(args.keyPem) }, { ...opts, additionalSecretOutputs: ["keyPem"] }, "pgscale", "CertificateDelivery");
    }
}
