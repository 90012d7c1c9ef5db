import * as pulumi from "@pulumi/pulumi";
import { HAPROXY_RUNTIME, HAPROXY_SHOW_SERVERS_STATE, declaredServers, hasRoutableServer, parseServerState, sleep, unsettledServers } from "@pgscale/core";
import { execIn } from "../engine/docker-engine";
import { packageRequire, PgscaleDynamicResource } from "@pgscale/postgres";
import { DOCKER_PACKAGE, DOCKER_PROVIDER } from "../own-package";

// HAProxy lists the cluster's members, so every scale change rewrites haproxy.cfg. Replacing the
// container for that would move its Docker-chosen host port (every client URI) and cut every
// session; instead the new file is validated, the servers' health states are saved for the new
// worker, and the master process reloads in place (haproxy -W, SIGUSR2).

interface ReloadInputs {
    /** The HAProxy container; a replaced container is brought up to date as well. */
    containerId: string;
    /** The engine the container runs on (the docker provider's `host`); unset: DOCKER_HOST. */
    dockerHost?: string;
    config: string;
    /** The CA bundle its checks verify the members' REST certificates with, and where haproxy.cfg reads it (`ca-file`). */
    caFile?: { path: string; pem: string };
    /** Give up waiting for the new worker after this many seconds. */
    timeoutSeconds: number;
    /** Also wait until each of these listeners has a server UP by a passed check (a state from before lists may hold one name). */
    awaitRoutable?: string[] | string;
}

const CFG = "/etc/haproxy/haproxy.cfg";


// Runs as root in the container: /etc/haproxy and the state file's directory belong to root, and
// the container keeps CAP_KILL for the signal to the master process, which runs as haproxy (hardening.ts).
const RELOAD_SCRIPT = `set -eu
umask 022
printf '%s' "$PGSCALE_HAPROXY_CFG" > ${CFG}.next
ca=unchanged
if [ -n "\${PGSCALE_HAPROXY_CA_FILE:-}" ]; then
  printf '%s' "$PGSCALE_HAPROXY_CA" > "$PGSCALE_HAPROXY_CA_FILE.next"
  if cmp -s "$PGSCALE_HAPROXY_CA_FILE.next" "$PGSCALE_HAPROXY_CA_FILE"; then rm -f "$PGSCALE_HAPROXY_CA_FILE.next"; else ca=changed; fi
fi
if [ $ca = unchanged ] && cmp -s ${CFG}.next ${CFG}; then rm -f ${CFG}.next; echo unchanged; exit 0; fi
# The new CA bundle first: the check below and the new worker read it (a bundle only adds trust).
if [ $ca = changed ]; then mv "$PGSCALE_HAPROXY_CA_FILE.next" "$PGSCALE_HAPROXY_CA_FILE"; fi
if ! haproxy -c -f ${CFG}.next >/dev/null; then rm -f ${CFG}.next; exit 3; fi
# A configuration from before the runtime API has no states to save; the reload goes on without.
if (${HAPROXY_SHOW_SERVERS_STATE}) > ${HAPROXY_RUNTIME.stateFile}.next 2>/dev/null; then
  mv ${HAPROXY_RUNTIME.stateFile}.next ${HAPROXY_RUNTIME.stateFile}
else
  rm -f ${HAPROXY_RUNTIME.stateFile}.next
fi
mv ${CFG}.next ${CFG}
kill -USR2 1
echo reloaded`;

/** What the provider below runs, loaded from the installed package when a method runs. */
export const haproxyReloadHandlers = {
    /**
     * Whether the CA bundle to write differs from the one written last. A state from before the
     * bundle was delivered here holds none: the container has the CA it was created with (an
     * upload), which is the bundle until the CA's first rotation (a bundle of one certificate).
     */
    caFileChanged(olds: Pick<ReloadInputs, "caFile">, news: Pick<ReloadInputs, "caFile">): boolean {
        if (news.caFile === undefined) return false;
        if (olds.caFile === undefined) return news.caFile.pem.split("-----BEGIN CERTIFICATE-----").length - 1 > 1;
        return olds.caFile.path !== news.caFile.path || olds.caFile.pem !== news.caFile.pem;
    },
    async apply(i: ReloadInputs): Promise<"unchanged" | "reloaded"> {
        const r = await execIn(i.containerId, ["bash", "-c", RELOAD_SCRIPT], { user: "root", env: [`PGSCALE_HAPROXY_CFG=${i.config}`, ...(i.caFile ? [`PGSCALE_HAPROXY_CA_FILE=${i.caFile.path}`, `PGSCALE_HAPROXY_CA=${i.caFile.pem}`] : [])], host: i.dockerHost });
        if (r.exitCode === 3) {
            // HAProxy's [ALERT] lines name the line and the fault; its [NOTICE] banner adds nothing.
            const alerts = r.stderr.split("\n").filter((l) => l.includes("[ALERT]"));
            throw new Error(`haproxy refused the new configuration (the running one stays):\n${(alerts.length ? alerts.join("\n") : r.stderr).trim()}`);
        }
        if (r.exitCode !== 0) throw new Error(`reloading HAProxy in container ${i.containerId.slice(0, 12)} failed (exit ${r.exitCode}): ${r.stderr.trim()}`);
        const outcome = r.stdout.trim() === "unchanged" ? "unchanged" : "reloaded";
        // Done when the runtime API answers with exactly the declared servers, each in the state its
        // last check gave (a fresh HAProxy, where create finds its file unchanged, or a new server
        // starts UP whatever Patroni says; a member DOWN while Patroni bootstrapped stays DOWN until
        // `rise` checks passed), and, when asked, the listener has a server to route to.
        const want = declaredServers(i.config).sort().join(",");
        let seen = "";
        let unsettled: string[] = [];
        let unroutable: string[] = [];
        const listeners = ([] as string[]).concat(i.awaitRoutable ?? []);
        for (const deadline = Date.now() + i.timeoutSeconds * 1000; Date.now() < deadline; await sleep(250)) {
            const s = await execIn(i.containerId, ["bash", "-c", HAPROXY_SHOW_SERVERS_STATE], { user: "root", host: i.dockerHost });
            if (s.exitCode !== 0) continue;
            let states;
            try {
                states = parseServerState(s.stdout);
            } catch {
                continue; // the old worker is going away
            }
            seen = states.map((x) => `${x.backend}/${x.server}`).sort().join(",");
            unsettled = unsettledServers(states);
            unroutable = listeners.filter((l) => !hasRoutableServer(states, l));
            if (seen === want && unsettled.length === 0 && unroutable.length === 0) return outcome;
        }
        throw new Error(seen !== want
            ? `HAProxy did not take the new configuration within ${i.timeoutSeconds} s: it serves [${seen}], expected [${want}]`
            : unsettled.length
                ? `HAProxy's health checks of ${unsettled.join(", ")} did not settle within ${i.timeoutSeconds} s`
                : `HAProxy's ${unroutable.join(" and ")} listener has no server passing its check after ${i.timeoutSeconds} s`);
    },
};

type Handlers = typeof haproxyReloadHandlers;
const load = packageRequire(DOCKER_PACKAGE);
const handlers = (): Handlers => load().haproxyReloadHandlers;

// Called through the package's one provider (providers.ts). A state written before that holds this
// object serialized, which loads its handlers through the package (own-package.ts).
export const haproxyConfigReloadProvider: pulumi.dynamic.ResourceProvider = {
    async diff(_id, olds: ReloadInputs, news: ReloadInputs) {
        return { changes: olds.containerId !== news.containerId || olds.config !== news.config || (olds.dockerHost ?? "") !== (news.dockerHost ?? "") || handlers().caFileChanged(olds, news) };
    },
    async create(inputs: ReloadInputs) {
        await handlers().apply(inputs);
        return { id: `haproxy-config-${Date.now().toString(36)}`, outs: inputs };
    },
    async update(_id, _olds, news: ReloadInputs) {
        await handlers().apply(news);
        return { outs: news };
    },
};

export interface HAProxyConfigReloadArgs {
    containerId: pulumi.Input<string>;
    /** The engine the container runs on (the docker provider's `host`); unset: DOCKER_HOST. */
    dockerHost?: pulumi.Input<string | undefined>;
    /** The whole haproxy.cfg. */
    config: pulumi.Input<string>;
    /**
     * The CA bundle HAProxy's checks verify with (`path`, which haproxy.cfg names as `ca-file`),
     * written before the reload whenever it changes (the cluster's CA rotated). Default: none.
     */
    caFile?: pulumi.Input<{ path: string; pem: pulumi.Input<string> }>;
    /** Seconds to wait for the new worker. Default 30. */
    timeoutSeconds?: number;
    /**
     * Listeners that must each have a server UP by a passed check before the resource is done (for
     * HAProxyFrontend: the primary listener, and the replicas listener when the cluster has
     * replicas). Default: none.
     */
    awaitRoutable?: string[];
}

/**
 * Keeps a running HAProxy container's haproxy.cfg equal to `config`: validates a new file with
 * `haproxy -c`, saves the servers' health states (server-state-file), and reloads the master
 * process in place, so the container, its host ports and its sessions stay. `pulumi preview`
 * shows a configuration change as an update of this resource.
 */
export class HAProxyConfigReload extends PgscaleDynamicResource {
    constructor(name: string, args: HAProxyConfigReloadArgs, opts?: pulumi.CustomResourceOptions) {
        super(DOCKER_PROVIDER, name, { timeoutSeconds: 30, ...args }, opts, "pgscale", "HAProxyConfigReload");
    }
}
