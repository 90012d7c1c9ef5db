// How pgscale steers the kubernetes provider's readiness waits. The provider awaits a Service with a
// selector until none of its selected pods is unready (once its endpoints settled); a Service without
// a selector or a headless one it does not await from v4.17.0 on, but earlier 4.x versions waited on
// those too (until their endpoints had an address). A Service that a workload depends on is ready only
// once that workload's pods run, so it is created without a wait on any provider version.

/** Annotations of an object the provider creates without awaiting its readiness. */
export const NOT_AWAITED: Readonly<Record<string, string>> = { "pulumi.com/skipAwait": "true" };
