/**
 * Every pgscale container runs as a non-root user that needs no Linux capability (PostgreSQL,
 * Patroni, etcd, HAProxy and PgBouncer bind ports above 1024 and own their files), so all are
 * dropped, the bounding set included: a setuid binary in the image gains none. A change here
 * replaces every container (the provider's `capabilities` is ForceNew), so keep it stable.
 */
export const NO_CAPABILITIES = { drops: ["ALL"] };
