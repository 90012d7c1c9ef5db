// Jest maps every formatted stack through source maps. The Pulumi SDK formats one stack for each
// promise it tracks (debuggablePromise: several per resource property) and a full one per resource
// (its source position, with Error.stackTraceLimit raised to Infinity); mapped, those cost most of
// a construct-graph test's time. They are bookkeeping nobody here reads, so they are formatted
// unmapped; every other stack (a failing test's, an error a test checks) is still mapped.
const mapped = Error.prepareStackTrace;
const pulumiBookkeeping = (frames: NodeJS.CallSite[]) =>
    Error.stackTraceLimit === Infinity || frames.slice(0, 3).some((f) => f.getFunctionName() === "debuggablePromise");

if (mapped) {
    Error.prepareStackTrace = (err: Error, frames: NodeJS.CallSite[]) =>
        pulumiBookkeeping(frames) ? `${err}\n${frames.map((f) => `    at ${f}`).join("\n")}` : mapped(err, frames);
}
