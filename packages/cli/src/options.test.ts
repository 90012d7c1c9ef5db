import { COMMANDS } from "./commands";
import { joinNegativeValues, redactUri, reportUsageErrors, urlProblem, usageErrorFrom } from "./options";
import { run } from "./run";
import { parseArgs } from "util";

/** `pgscale <argv> --json` in-process: exit code and the usage errors as [option, field, message]. */
async function usageErrors(...argv: string[]) {
    const out: string[] = [];
    const code = await run([...argv, "--json"], { out: (t) => out.push(t), err: () => undefined }, COMMANDS);
    return { code, errors: (JSON.parse(out.join("")).errors as Array<{ option: string; field?: string; message: string }>).map((e) => [e.option, e.field, e.message]) };
}

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

    test("joinNegativeValues: a negative number after an option that takes a value becomes its value", () => {
        const options = { peak: { type: "string" }, json: { type: "boolean" }, n: { type: "string", short: "n" } } as const;
        expect(joinNegativeValues(["--peak", "-3", "--json"], options)).toEqual(["--peak=-3", "--json"]);
        expect(joinNegativeValues(["--peak", "-0.5"], options)).toEqual(["--peak=-0.5"]);
        expect(joinNegativeValues(["--peak", "-.5"], options)).toEqual(["--peak=-.5"]);
        expect(joinNegativeValues(["--peak", "-1e3"], options)).toEqual(["--peak=-1e3"]);
        expect(joinNegativeValues(["-n", "-3"], options)).toEqual(["-n-3"]);
        // Not a number, not an option with a value, or past `--`: parseArgs judges as before.
        expect(joinNegativeValues(["--peak", "--json"], options)).toEqual(["--peak", "--json"]);
        expect(joinNegativeValues(["--peak", "-x"], options)).toEqual(["--peak", "-x"]);
        expect(joinNegativeValues(["--json", "-3"], options)).toEqual(["--json", "-3"]);
        expect(joinNegativeValues(["--", "--peak", "-3"], options)).toEqual(["--", "--peak", "-3"]);
        expect(joinNegativeValues(["--peak=-3"], options)).toEqual(["--peak=-3"]);
    });

    test("plan: negative numbers reach validation, which names each bad field (exit 2)", async () => {
        const r = await usageErrors("plan", "--goal", "configure_ha", "--connections-peak", "-3", "--table-size-gb", "-1.5", "--rows-millions", "-2");
        expect(r.code).toBe(2);
        expect(r.errors.map(([option, field]) => [option, field])).toEqual([
            ["--table-size-gb", "current_metrics.table_size_gb"],
            ["--rows-millions", "current_metrics.rows_millions"],
            ["--connections-peak", "current_metrics.connections_peak"],
        ]);
        // The same value with `=` gives the same error.
        expect((await usageErrors("plan", "--goal", "configure_ha", "--connections-peak=-3")).errors).toEqual(
            (await usageErrors("plan", "--goal", "configure_ha", "--connections-peak", "-3")).errors,
        );
    });

    test("plan: a negative number is one bad field among others, not a parse error that hides them", async () => {
        const r = await usageErrors("plan", "--goal", "nope", "--connections-peak", "-3");
        expect(r.code).toBe(2);
        expect(r.errors.map(([option]) => option)).toEqual(["--goal", "--connections-peak"]);
    });

    test("switchover: negative --timeout and --probe-interval-ms are named as bad values", async () => {
        const r = await usageErrors("switchover", "--patroni-url", "http://127.0.0.1:1", "--primary-uri", "postgresql://a@127.0.0.1:1/db", "--timeout", "-5", "--probe-interval-ms", "-1");
        expect(r.code).toBe(2);
        expect(r.errors).toEqual([
            ["--timeout", undefined, "must be a positive integer"],
            ["--probe-interval-ms", undefined, "must be a positive integer"],
        ]);
    });

    test("a negative number where no value is taken is still refused, naming the argument", async () => {
        const r = await usageErrors("status", "--patroni-url", "http://127.0.0.1:1", "-3");
        expect(r.code).toBe(2);
        expect(r.errors[0][0]).toBe("-3");
    });
});
