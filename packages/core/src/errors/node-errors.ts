/**
 * Connection failures that never carry a SQLSTATE because they happen below
 * the protocol: the socket was refused, reset or timed out, or node-postgres
 * noticed the server went away. During a failover these are what a client
 * sees most, so they are classified like SQLSTATE class 08.
 */
export const CONNECTION_ERRNOS: ReadonlySet<string> = new Set([
    "ECONNREFUSED",
    "ECONNRESET",
    "ECONNABORTED",
    "EPIPE",
    "ETIMEDOUT",
    "EHOSTUNREACH",
    "ENETUNREACH",
    "EHOSTDOWN",
    "ENETDOWN",
    // A container's name stops resolving while it is being replaced.
    "ENOTFOUND",
    "EAI_AGAIN",
]);

/** Messages node-postgres (pg, pg-pool) uses for a lost or unobtainable connection. */
export const CONNECTION_LOST_MESSAGES: readonly RegExp[] = [
    /^Connection terminated( unexpectedly)?$/,
    /^Connection terminated due to connection timeout$/,
    /^Client has encountered a connection error and is not queryable$/,
    /^timeout exceeded when trying to connect$/,
    /^timeout expired$/,
];
