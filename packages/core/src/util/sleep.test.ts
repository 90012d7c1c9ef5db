import { sleep } from "./sleep";

describe("sleep", () => {
    afterEach(() => jest.useRealTimers());

    it("resolves once the time has passed, not before", async () => {
        jest.useFakeTimers();
        let done = false;
        const p = sleep(1000).then(() => (done = true));
        await jest.advanceTimersByTimeAsync(999);
        expect(done).toBe(false);
        await jest.advanceTimersByTimeAsync(1);
        await p;
        expect(done).toBe(true);
    });
});
