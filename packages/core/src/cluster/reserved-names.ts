// Names a cluster's bootstrap and PostgreSQL keep for themselves. A module of its own, without
// imports, so the access specs and the cluster spec (which embeds them) can both read it.

/** Databases initdb creates: the application database must be a new one. */
export const SYSTEM_DATABASES = ["postgres", "template0", "template1"] as const;
/**
 * Role names the owner cannot take: pgscale's own roles (Patroni's superuser, replication and
 * rewind users, PgBouncer's console user) and names PostgreSQL reserves.
 */
export const RESERVED_ROLES = ["postgres", "replicator", "rewind", "pgscale_admin", "public", "none", "current_user", "session_user", "current_role"] as const;
