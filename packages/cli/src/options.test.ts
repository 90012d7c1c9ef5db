import { redactUri, reportUsageErrors, urlProblem, usageErrorFrom } from "./options";
import { parseArgs } from "util";

describe("option helpers", () => {
    test("urlProblem: required, URL shape, protocol; never echoes the value", () => {
        expect(urlProblem("--primary-uri", undefined, ["postgresql:"], true)).toEqual({ option: "--primary-uri", message: "is required (or set PGSCALE_PRIMARY_URI)" });
        expect(urlProblem("--patroni-url", undefined, ["http:"], true)).toEqual({ option: "--patroni-url", message: "is required" });
        expect(urlProblem("--primary-uri", undefined, ["postgresql:"], false)).toBeUndefined();
        const bad = urlProblem("--primary-uri", "app:s3cret@host", ["postgresql:"], true)!;
        expect(bad.message).toMatch(/protocol|URL/);
        expect(bad.message).not.toContain("s3cret");
        expect(urlProblem("--patroni-url", "ftp://x", ["http:", "https:"], true)!.message).toBe("must be a http: or https: URL, not ftp:");
        expect(urlProblem("--patroni-url", "http://127.0.0.1:8008", ["http:", "https:"], true)).toBeUndefined();
    });

    test("usageErrorFrom names the option parseArgs complained about", () => {
        let err: unknown;
        try {
            parseArgs({ args: ["--nope"], options: {}, strict: true });
        } catch (e) {
            err = e;
        }
        expect(usageErrorFrom(err).option).toBe("--nope");
    });

    test("redactUri drops the password", () => {
        expect(redactUri("postgresql://app:s3cret@127.0.0.1:5000/appdb")).toBe("app@127.0.0.1:5000/appdb");
    });

    test("reportUsageErrors: JSON on stdout, text on stderr, exit 2", () => {
        const out: string[] = [];
        const err: string[] = [];
        const io = { out: (t: string) => out.push(t), err: (t: string) => err.push(t) };
        expect(reportUsageErrors("doctor", [{ option: "--x", message: "is required" }], true, io)).toBe(2);
        expect(JSON.parse(out[0])).toEqual({ errors: [{ option: "--x", message: "is required" }] });
        reportUsageErrors("doctor", [{ option: "--x", message: "is required" }], false, io);
        expect(err[0]).toBe("pgscale doctor: invalid input\n  --x: is required\n\npgscale doctor --help lists the options.");
    });
});
