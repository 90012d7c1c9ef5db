import { renderPoolsText, renderStatusText } from "./status-text";

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

describe("renderPoolsText", () => {
    const pool = (database: string, over: object = {}) => ({
        database, user: "app", clientsActive: 5, clientsWaiting: 15, serversActive: 5, serversIdle: 0, serversUsed: 0, serversTested: 0, serversLogin: 0,
        maxWaitSeconds: 3.25, poolMode: "transaction", ...over,
    });
    test("each pooler's pools without its console, and the poolers that did not answer", () => {
        const text = renderPoolsText([
            { where: "127.0.0.1:6432", pools: [pool("appdb"), pool("pgbouncer", { user: "pgbouncer" })] },
            { where: "127.0.0.1:6433", error: "ECONNREFUSED" },
        ]);
        expect(text).toBe([
            "Pooler          Database  User  Active  Waiting  Max wait  Servers (active/idle)",
            "--------------  --------  ----  ------  -------  --------  ---------------------",
            "127.0.0.1:6432  appdb     app   5       15       3.3 s     5/0",
            "note: pooler 127.0.0.1:6433 did not answer (ECONNREFUSED)",
        ].join("\n"));
    });
});
