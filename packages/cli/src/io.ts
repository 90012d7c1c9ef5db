/** Where a command writes; injected so commands can run in-process in tests. */
export interface Io {
    out(text: string): void;
    err(text: string): void;
}

export const processIo: Io = {
    out: (text) => process.stdout.write(text.endsWith("\n") ? text : text + "\n"),
    err: (text) => process.stderr.write(text.endsWith("\n") ? text : text + "\n"),
};

/** Exit codes: 0 done, 1 unexpected failure, 2 the input was wrong (usage or validation). */
export const EXIT = { ok: 0, failure: 1, usage: 2 } as const;
