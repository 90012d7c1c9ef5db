import * as fs from "fs";
import * as path from "path";
import { ALERT_NAMES } from "./rules";
import { alertRulesTable, fillAlertRulesTable } from "./rules-table";

const DOC = path.resolve(__dirname, "../../../../docs/monitoring.md");

describe("docs/monitoring.md's alert table", () => {
    it("is the table the rules make (regenerate: node -e 'const f=require(\"fs\"),{fillAlertRulesTable}=require(\"./packages/core/dist\");f.writeFileSync(\"docs/monitoring.md\",fillAlertRulesTable(f.readFileSync(\"docs/monitoring.md\",\"utf8\")))' after a build)", () => {
        const doc = fs.readFileSync(DOC, "utf8");
        expect(doc).toBe(fillAlertRulesTable(doc));
    });
    it("lists every alert once, with pipes escaped", () => {
        const table = alertRulesTable();
        for (const a of ALERT_NAMES) expect(table.split("\n").filter((l) => l.startsWith(`| ${a} |`))).toHaveLength(1);
        expect(table).toContain("up{job=~\"patroni\\|postgres\"}");
    });
});
