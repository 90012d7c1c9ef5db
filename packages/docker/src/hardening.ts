/**
 * Every pgscale container runs as a non-root user that needs no Linux capability (PostgreSQL,
 * Patroni, etcd, HAProxy and PgBouncer bind ports above 1024 and own their files), so all are
 * dropped, the bounding set included: a setuid binary in the image gains none. HAProxy's
 * container keeps one (below). A change here replaces containers (the provider's `capabilities`
 * is ForceNew), so keep it stable.
 */
export const NO_CAPABILITIES = { drops: ["ALL"] };

/**
 * HAProxy's, plus the one capability its reload needs: HAProxyConfigReload writes the new
 * haproxy.cfg and server-state file as root (both directories are root's in the image) and then
 * signals the master process (SIGUSR2), which runs as `haproxy`; root may signal another user's
 * process only with CAP_KILL. HAProxy's own processes are not root, so none of them holds it.
 */
export const HAPROXY_CAPABILITIES = { drops: ["ALL"], adds: ["KILL"] };
