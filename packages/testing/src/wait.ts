import { sleep } from "@pgscale/core";

/** Polls `fn` until it returns a value other than undefined/false, or throws after `timeoutMs` with the last reason. */
export async function waitFor<T>(what: string, timeoutMs: number, fn: () => Promise<T | undefined | false>, intervalMs = 250): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    let last = "no attempt finished";
    for (;;) {
        try {
            const v = await fn();
            if (v !== undefined && v !== false) return v;
            last = "not yet";
        } catch (e) {
            last = e instanceof Error ? e.message : String(e);
        }
        if (Date.now() >= deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}: ${last}`);
        await sleep(intervalMs);
    }
}
