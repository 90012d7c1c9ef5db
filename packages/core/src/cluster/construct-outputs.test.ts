import { Eventual, PortableHAProxyFrontendArgs, PortablePgBouncerPoolArgs } from "./construct-outputs";

// The interfaces are types only: these cases are checked by `tsc -p tsconfig.test.json`
// (each @ts-expect-error must be an error), and run here so the module has a suite.

/** An Eventual that already holds its value, as Pulumi's Output does once resolved. */
const known = <T>(value: T): Eventual<T> => ({ apply: <U>(f: (v: T) => U) => f(value) });

describe("construct outputs", () => {
    it("holds an Eventual to its value type in both directions", () => {
        const port: Eventual<number> = known(5432);
        // @ts-expect-error a port is no string
        const asString: Eventual<string> = port;
        const ca: Eventual<string | undefined> = known<string>("PEM");
        expect(port.apply((p) => p + 1)).toBe(5433);
        expect(asString).toBe(port);
        expect(ca.apply((pem) => pem ?? "none")).toBe("PEM");
    });

    it("leaves Docker's host bind address out of the portable arguments", () => {
        const lb: PortableHAProxyFrontendArgs<string> = { cluster: "pg", maxReplicaLagBytes: 1024 };
        // @ts-expect-error bindAddress is a Docker host option
        const bound: PortableHAProxyFrontendArgs<string> = { cluster: "pg", bindAddress: "0.0.0.0" };
        const pool: PortablePgBouncerPoolArgs<string> = { backend: "lb", poolMode: "session" };
        expect([lb.cluster, bound.cluster, pool.backend]).toEqual(["pg", "pg", "lb"]);
    });
});
