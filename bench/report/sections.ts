// The generated sections by name. A doc holds `<!-- generated:NAME -->...<!-- /generated:NAME -->`;
// the report fills it from bench/results/. One name may appear in several docs.
import { chaosDetail, chaosSummary, failoverTable, poolTable } from "./absolute";
import type { Results } from "./load";
import { latestTable, legacyTable, runsTable } from "./render";

export const SECTIONS: Record<string, (r: Results) => string> = {
    "ha-up": (r) => latestTable(r, "ha-up"),
    testing: (r) => latestTable(r, "testing"),
    partition: (r) => latestTable(r, "partition"),
    runs: runsTable,
    legacy: (r) => legacyTable(r.legacy),
    "ha-failover": failoverTable,
    "ha-pool": poolTable,
    chaos: chaosSummary,
    "chaos-ci": (r) => chaosDetail(r, "chaos-ci-"),
    "chaos-full": (r) => chaosDetail(r, "chaos-full-"),
};

/** The docs the report writes into. */
export const DOCS = ["docs/benchmarks.md", "docs/testing.md", "docs/reliability.md", "docs/constructs.md", "README.md"];
