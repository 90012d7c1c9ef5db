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
