// The harness of the bad-input tables (packages/docker/src/bad-input.test.ts and its Kubernetes
// half): a construction must throw a PgscaleValidationError naming the field before anything is
// registered with the (mocked) engine.
import { PgscaleValidationError } from "@pgscale/core";

/** [construct, what is wrong, builds what the case needs first, the construction that must fail, the field its error names] */
export type BadInputCase = [string, string, () => any, (given: any) => unknown, string];

// The SDK's own queue of outstanding engine calls (internal to @pulumi/pulumi, exported by its
// runtime module): it settles when every registration made so far has been answered.
// eslint-disable-next-line @typescript-eslint/no-var-requires
const { waitForRPCs } = require("@pulumi/pulumi/runtime/settings") as { waitForRPCs(): Promise<void> };
const nextTurn = () => new Promise<void>((r) => setImmediate(r));

/**
 * Registrations with the mocked engine are asynchronous, and one answered registration can start
 * another (a child made inside an apply): waits until the SDK has no engine call outstanding and
 * the count stands still across event-loop turns, then returns it. No wall-clock sampling: a
 * paused, loaded machine delays the answer, never shortens the wait.
 */
export async function settledCount(registered: readonly unknown[]): Promise<number> {
    for (;;) {
        const before = registered.length;
        await waitForRPCs();
        for (let i = 0; i < 3; i++) await nextTurn();
        if (registered.length === before) return before;
    }
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
