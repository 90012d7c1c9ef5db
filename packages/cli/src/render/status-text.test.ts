import { renderStatusText } from "./status-text";

describe("renderStatusText", () => {
    test("a table like patronictl list, and the URLs that did not answer", () => {
        const text = renderStatusText([
            { name: "pg-0", role: "leader", state: "running", host: "pg-0:5432", timeline: 2 },
            { name: "pg-1", role: "replica", state: "running", host: "pg-1:5432", timeline: 2, lag: 0 },
            { name: "pg-2", role: "replica", state: "stopped", host: "pg-2:5432", lag: "unknown" },
        ], [{ url: "http://127.0.0.1:9", error: "ECONNREFUSED" }]);
        expect(text).toBe([
            "Member  Host       Role     State    TL  Lag",
            "------  ---------  -------  -------  --  -------",
            "pg-0    pg-0:5432  leader   running  2",
            "pg-1    pg-1:5432  replica  running  2   0 B",
            "pg-2    pg-2:5432  replica  stopped      unknown",
            "note: http://127.0.0.1:9 did not answer (ECONNREFUSED)",
        ].join("\n"));
    });
});
