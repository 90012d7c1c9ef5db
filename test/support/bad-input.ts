// The harness of the bad-input tables (packages/docker/src/bad-input.test.ts and its Kubernetes
// half): a construction must throw a PgscaleValidationError naming the field before anything is
// registered with the (mocked) engine.
import { PgscaleValidationError, sleep } from "@pgscale/core";

/** [construct, what is wrong, builds what the case needs first, the construction that must fail, the field its error names] */
export type BadInputCase = [string, string, () => any, (given: any) => unknown, string];

/**
 * Registrations with the mocked engine are asynchronous: waits until the count has stood still for
 * three samples 50 ms apart (one quiet sample can be a pause of a loaded machine) and returns it.
 */
export async function settledCount(registered: readonly unknown[]): Promise<number> {
    let last = registered.length;
    for (let quiet = 0; quiet < 3; ) {
        await sleep(50);
        quiet = registered.length === last ? quiet + 1 : 0;
        last = registered.length;
    }
    return last;
}

export async function expectRejectedBeforeRegistration(registered: readonly unknown[], given: () => any, make: (given: any) => unknown, field: string): Promise<void> {
    const upstream = given();
    const before = await settledCount(registered);
    let error: unknown;
    try {
        make(upstream);
    } catch (e) {
        error = e;
    }
    expect(error).toBeInstanceOf(PgscaleValidationError);
    const err = error as PgscaleValidationError;
    expect(err.issues.map((i) => i.field)).toContain(field);
    expect(err.message).toContain(`  - ${field}: `);
    expect(await settledCount(registered)).toBe(before);
}
