import { hedge } from "./hedge";

describe("hedge", () => {
    beforeEach(() => jest.useFakeTimers());
    afterEach(() => jest.useRealTimers());

    /** A try that settles `ms` after it starts, with `value` (or the error `fail`). */
    const tries = (plan: Array<{ ms: number; value?: string; fail?: string }>) => {
        const startedAt: number[] = [];
        const attempt = () => {
            const p = plan[startedAt.length];
            startedAt.push(Date.now());
            return new Promise<string>((res, rej) => setTimeout(() => (p.fail ? rej(new Error(p.fail)) : res(p.value!)), p.ms));
        };
        return { attempt, startedAt };
    };

    it("a slow first try: the second, started after everyMs, answers first", async () => {
        const t0 = Date.now();
        const { attempt, startedAt } = tries([{ ms: 1000, value: "first" }, { ms: 50, value: "second" }, { ms: 0, value: "third" }]);
        const p = hedge(attempt, 300, 4);
        await jest.advanceTimersByTimeAsync(350);
        await expect(p).resolves.toBe("second");
        expect(startedAt.map((t) => t - t0)).toEqual([0, 300]);
        // Nothing more starts once one answered.
        await jest.advanceTimersByTimeAsync(2000);
        expect(startedAt).toHaveLength(2);
    });

    it("a fast answer starts nothing more", async () => {
        const { attempt, startedAt } = tries([{ ms: 10, value: "only" }]);
        const p = hedge(attempt, 300, 4);
        await jest.advanceTimersByTimeAsync(10);
        await expect(p).resolves.toBe("only");
        await jest.advanceTimersByTimeAsync(1000);
        expect(startedAt).toHaveLength(1);
    });

    it("a refused first try rejects at once; with tries pending, it waits for them", async () => {
        const refused = tries([{ ms: 5, fail: "ECONNREFUSED" }]);
        const p1 = hedge(refused.attempt, 300, 4);
        const seen = expect(p1).rejects.toThrow("ECONNREFUSED");
        await jest.advanceTimersByTimeAsync(5);
        await seen;
        expect(refused.startedAt).toHaveLength(1);

        const mixed = tries([{ ms: 1000, value: "slow" }, { ms: 10, fail: "reset" }]);
        const p2 = hedge(mixed.attempt, 300, 2);
        await jest.advanceTimersByTimeAsync(1000);
        await expect(p2).resolves.toBe("slow");
    });

    it("starts at most max tries, and rejects with the last error once all failed", async () => {
        const { attempt, startedAt } = tries([{ ms: 2000, fail: "a" }, { ms: 2000, fail: "b" }, { ms: 2000, fail: "c" }, { ms: 0, value: "never" }]);
        const p = hedge(attempt, 300, 3);
        const seen = expect(p).rejects.toThrow("c");
        await jest.advanceTimersByTimeAsync(3000);
        await seen;
        expect(startedAt).toHaveLength(3);
    });
});
