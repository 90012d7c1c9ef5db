import { COPY_GB_PER_MINUTE, duration, SCAN_GB_PER_MINUTE } from "./estimates";

test("durations in minutes, hours past two", () => {
    expect(duration(60, COPY_GB_PER_MINUTE)).toBe("~10 min");
    expect(duration(0.1, SCAN_GB_PER_MINUTE)).toBe("~1 min");
    expect(duration(3000, COPY_GB_PER_MINUTE)).toBe("~8 h");
});
