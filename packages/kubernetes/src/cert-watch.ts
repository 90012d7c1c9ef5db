// Renewed certificates on Kubernetes reach a running pod as files: the kubelet rewrites a mounted
// Secret's files in place (within its sync period, a minute by default) when `pulumi up` changes
// the Secret. The servers that read them only at start or on a reload need telling; a pod's start
// command runs this watcher in the background to do that, so a renewal reloads and restarts
// nothing (Docker's CertificateDelivery does the same from outside the container).

/** How often the watcher compares the files. */
export const CERT_WATCH_SECONDS = 10;

/**
 * A shell step (for a start command's `&&` chain) that starts the watcher in the background: every
 * CERT_WATCH_SECONDS it checksums `files` (paths; `$VAR`s are expanded by the shell) and, when the
 * sum differs from the last one, runs `reload` (its failure is logged and retried at the next change).
 */
export function certWatchStep(files: string[], reload: string, seconds = CERT_WATCH_SECONDS): string {
    if (!files.length) throw new Error("certWatchStep: no files to watch");
    return [
        "{ (last=''; while :; do",
        `now=$(cat ${files.join(" ")} 2>/dev/null | cksum);`,
        `if [ -n "$last" ] && [ "$now" != "$last" ]; then echo 'pgscale: renewed certificate files; reloading' >&2; { ${reload}; } || echo 'pgscale: the reload failed' >&2; fi;`,
        `last=$now; sleep ${seconds}; done) & }`,
    ].join(" ");
}

/**
 * A member's reload: Patroni reloads its REST API's certificate on SIGHUP (it is PID 1, exec'd by
 * the start command), PostgreSQL re-reads its SSL files on a configuration reload (over the local
 * socket; skipped while it is not up, as it reads them at start); with `backup`, the copies
 * pgBackRest's server reads are refreshed first (the scheduler restarts that server when its
 * certificate file changes).
 */
export function memberReload(binDir: string, copies: Array<{ from: string; to: string; mode: string }>): string {
    const socket = "/var/run/postgresql";
    return [
        ...copies.map((c) => `install -m ${c.mode} ${c.from} ${c.to}`),
        "kill -HUP 1",
        `if ${binDir}/pg_isready -q -h ${socket}; then ${binDir}/psql -h ${socket} -U postgres -d postgres -XAtqc 'SELECT pg_reload_conf()' >/dev/null; fi`,
    ].join("; ");
}
