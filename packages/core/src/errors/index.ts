// SQLSTATE handling: the playbook's error table as a classifier and a retrying runner.
export { SQLSTATE_RULES } from "./sqlstate";
export type { PgErrorAction, SqlstateRule } from "./sqlstate";
export { classifyPgError } from "./classify";
export type { PgErrorClassification } from "./classify";
export { fullJitterDelay } from "./backoff";
export type { BackoffOptions } from "./backoff";
export { withRetry } from "./retry";
export type { RetryClient, RetryQueryResult, RetryPool, RetryEvent, RetryOptions, IsolationLevel } from "./retry";
export { PgRetryExhaustedError, PgTooManyConnectionsError } from "./retry-errors";
