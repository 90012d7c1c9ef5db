// How pgscale's own node-postgres clients read a connection's TLS settings.
//
// pgscale's URIs carry `sslmode=require` when the cluster requires TLS: libpq (psql, psycopg,
// pgx) reads it as "encrypted, verified only if sslrootcert is given". node-postgres (its
// pg-connection-string since 2.8) reads `require` as verify-full against the system's CAs, which
// no private CA passes, unless the URI also says `uselibpqcompat=true`. libpq refuses that
// parameter, so the URIs cannot carry it: pgscale's clients add it themselves.

/** `uri` as node-postgres should read it: with libpq's meaning of `sslmode` (a key=value string is returned as is). */
export function libpqCompatible(uri: string): string {
    if (!/^postgres(ql)?:\/\//i.test(uri)) return uri;
    const q = uri.indexOf("?");
    if (q < 0) return uri;
    const params = new URLSearchParams(uri.slice(q + 1).split("#")[0]);
    if (!params.has("sslmode") || params.has("uselibpqcompat")) return uri;
    return `${uri}&uselibpqcompat=true`;
}

/**
 * node-postgres `ssl` for a server whose certificate `caPem` signed: chain and host name verified
 * (libpq's verify-full); undefined without a CA (no TLS).
 */
export function verifiedTls(caPem: string | undefined): { ca: string; rejectUnauthorized: true } | undefined {
    return caPem ? { ca: caPem, rejectUnauthorized: true } : undefined;
}
