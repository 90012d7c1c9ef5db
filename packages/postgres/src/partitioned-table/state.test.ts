import { PgscaleValidationError } from "@pgscale/core";
import { connectionOf, specFromProps, specProps } from "./state";

describe("state", () => {
    const props = {
        connection: "postgresql://x",
        plan: ["+ create table"],
        observed: { exists: true },
        __provider: "exports.handler = ...",
        name: "t",
        columns: [{ name: "k", type: "int" }],
        partitionBy: { strategy: "hash", columns: ["k"] },
        partitions: [{ modulus: 2 }],
    };

    it("reads the spec out of the resource's properties, ignoring the provider's own", () => {
        const spec = specFromProps(props, "PartitionedTable t");
        expect(spec).toMatchObject({ schema: "public", name: "t", removalPolicy: "retain" });
        expect(specProps(spec)).not.toHaveProperty("connection");
    });

    it("validates what it reads", () => {
        expect(() => specFromProps({ ...props, removalPolicy: "keep" }, "PartitionedTable t")).toThrow(PgscaleValidationError);
    });

    it("requires a connection", () => {
        expect(() => connectionOf({})).toThrow(/connection input is missing/);
        expect(connectionOf(props)).toBe("postgresql://x");
    });
});
