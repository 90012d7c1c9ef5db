import { PgscaleValidationError } from "../validation";
import { parseScalingInput } from "./input";

function issues(input: unknown) {
    try {
        parseScalingInput(input);
    } catch (err) {
        expect(err).toBeInstanceOf(PgscaleValidationError);
        return (err as PgscaleValidationError).issues;
    }
    throw new Error("expected a validation error");
}

describe("parseScalingInput (the playbook's Input Schema)", () => {
    test("only scaling_goal is required", () => {
        expect(parseScalingInput({ scaling_goal: "setup_pooling" })).toEqual({ scaling_goal: "setup_pooling", current_metrics: {}, constraints: [] });
    });

    test("a full input, with read_write_ratio parsed into shares", () => {
        const p = parseScalingInput({
            scaling_goal: "add_replica",
            current_metrics: { table_size_gb: 12.5, rows_millions: 40, connections_peak: 900, read_write_ratio: " 80 : 20 " },
            constraints: ["budget"],
        });
        expect(p.current_metrics.read_write_ratio).toEqual({ read: 80, write: 20, readShare: 0.8, text: "80:20" });
        expect(p.current_metrics.connections_peak).toBe(900);
    });

    test.each(["partition_table", "setup_pooling", "configure_ha", "design_sharding", "add_replica"])("goal %s is accepted", (g) => {
        expect(parseScalingInput({ scaling_goal: g }).scaling_goal).toBe(g);
    });

    test("every bad field is named in one error", () => {
        const got = issues({
            scaling_goal: "make_it_fast",
            current_metrics: { table_size_gb: "big", rows_millions: -1, connections_peak: 10.5, read_write_ratio: "mostly reads" },
            constraints: ["max-connections=lots", 7],
        });
        expect(got.map((i) => i.field).sort()).toEqual([
            "constraints[0]",
            "constraints[1]",
            "current_metrics.connections_peak",
            "current_metrics.read_write_ratio",
            "current_metrics.rows_millions",
            "current_metrics.table_size_gb",
            "scaling_goal",
        ]);
        expect(got.find((i) => i.field === "current_metrics.read_write_ratio")!.message).toMatch(/READ:WRITE/);
        expect(got.find((i) => i.field === "constraints[0]")!.message).toMatch(/max-connections/);
    });

    test("missing scaling_goal", () => {
        expect(issues({ current_metrics: {} }).map((i) => i.field)).toEqual(["scaling_goal"]);
    });

    test('"0:0" is not a ratio', () => {
        expect(issues({ scaling_goal: "add_replica", current_metrics: { read_write_ratio: "0:0" } })).toEqual([
            { field: "current_metrics.read_write_ratio", message: "read and write parts cannot both be 0" },
        ]);
    });

    test("a misspelt metric is an error, not silently ignored", () => {
        expect(issues({ scaling_goal: "partition_table", current_metrics: { table_size_gbs: 10 } })[0].field).toBe("current_metrics.table_size_gbs");
    });
});
