/** Resolves after `ms` milliseconds: the pause between polls of something that is not ready yet. */
export function sleep(ms: number): Promise<void> {
    return new Promise<void>((resolve) => setTimeout(resolve, ms));
}
