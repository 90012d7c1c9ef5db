import { fullJitterDelay } from "./backoff";

const opts = { baseDelayMs: 100, maxDelayMs: 5000 };

describe("fullJitterDelay", () => {
    test("the ceiling doubles per retry up to the cap", () => {
        const almostOne = () => 0.999999;
        expect([1, 2, 3, 4, 5, 6, 7, 8].map((r) => fullJitterDelay(r, opts, almostOne))).toEqual([99, 199, 399, 799, 1599, 3199, 4999, 4999]);
    });

    test("full jitter: the floor is zero", () => {
        expect(fullJitterDelay(6, opts, () => 0)).toBe(0);
    });

    test("with Math.random the delays stay within [0, ceiling)", () => {
        for (let r = 1; r <= 12; r++) {
            const d = fullJitterDelay(r, opts);
            expect(d).toBeGreaterThanOrEqual(0);
            expect(d).toBeLessThan(Math.min(5000, 100 * 2 ** (r - 1)));
        }
    });
});
