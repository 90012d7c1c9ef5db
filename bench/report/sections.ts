// The generated sections by name. A doc holds `<!-- generated:NAME -->...<!-- /generated:NAME -->`;
// the report fills it from bench/results/. One name may appear in several docs.
import { chaosDetail, chaosSummary, failoverTable, poolTable } from "./absolute";
import type { Results } from "./load";
import { latest, latestTable, legacyTable, runTable, runsTable } from "./render";

/** The latest harness run of `benchmark` if there is one, then the figures of the earlier format. */
function withLegacy(r: Results, benchmark: string, legacy: string): string {
    const run = latest(r, benchmark);
    const earlier = `From a results file of an earlier format (settings, load and versions not recorded):\n\n${legacy}`;
    return run ? `${runTable(run)}\n\n${earlier}` : earlier;
}

export const SECTIONS: Record<string, (r: Results) => string> = {
    "ha-up": (r) => latestTable(r, "ha-up"),
    testing: (r) => latestTable(r, "testing"),
    partition: (r) => latestTable(r, "partition"),
    "testing-reuse": (r) => latestTable(r, "testing-reuse"),
    access: (r) => latestTable(r, "access"),
    monitoring: (r) => latestTable(r, "monitoring"),
    "major-upgrade": (r) => latestTable(r, "major-upgrade"),
    backup: (r) => latestTable(r, "backup"),
    sharding: (r) => latestTable(r, "sharding"),
    tls: (r) => latestTable(r, "tls"),
    "archive-lag": (r) => latestTable(r, "archive-lag"),
    runs: runsTable,
    legacy: (r) => legacyTable(r.legacy),
    "ha-failover": (r) => withLegacy(r, "ha-failover", failoverTable(r)),
    "ha-pool": (r) => withLegacy(r, "ha-pool", poolTable(r)),
    chaos: chaosSummary,
    "chaos-ci": (r) => chaosDetail(r, "chaos-ci-"),
    "chaos-full": (r) => chaosDetail(r, "chaos-full-"),
    "chaos-quorum": (r) => chaosDetail(r, "chaos-quorum-"),
};

/** The docs the report writes into. */
export const DOCS = ["docs/benchmarks.md", "docs/testing.md", "docs/reliability.md", "docs/constructs.md", "docs/monitoring.md", "docs/backups.md", "README.md"];
