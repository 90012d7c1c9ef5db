#!/usr/bin/env node
// The `pgscale` executable.
import { COMMANDS } from "./commands";
import { processIo } from "./io";
import { run } from "./run";

// `pgscale plan | head` closes stdout early; that is not an error worth a stack trace.
process.stdout.on("error", (err: NodeJS.ErrnoException) => {
    if (err.code === "EPIPE") process.exit(0);
    throw err;
});

run(process.argv.slice(2), processIo, COMMANDS).then((code) => {
    process.exitCode = code;
});
