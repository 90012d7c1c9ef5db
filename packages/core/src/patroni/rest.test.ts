import { PatroniRequest, PatroniTransport, patroniAnswer, patroniRequest, patroniRequestInit, patroniUrl } from "./rest";

// A recording transport: the unit under test builds requests and reads answers; nothing is sent.
function recorder(status: number, text: string, statusText = "") {
    const sent: Array<{ url: string; init: PatroniRequest }> = [];
    const transport: PatroniTransport = async (url, init) => {
        sent.push({ url, init });
        return { status, statusText, ok: status >= 200 && status < 300, text: async () => text };
    };
    return { sent, transport };
}

describe("Patroni REST requests", () => {
    it("takes Node's fetch as its transport", () => {
        const t: PatroniTransport = fetch;
        expect(typeof t).toBe("function");
    });

    it("appends the path to the member's base URL, keeping a path the base has", () => {
        expect(patroniUrl("http://127.0.0.1:8008", "/cluster")).toBe("http://127.0.0.1:8008/cluster");
        expect(patroniUrl("http://127.0.0.1:8008/", "/cluster")).toBe("http://127.0.0.1:8008/cluster");
        expect(patroniUrl("http://127.0.0.1:4000/pg-1", "/patroni")).toBe("http://127.0.0.1:4000/pg-1/patroni");
    });

    it("sends a GET bare: no body, no content type, no credentials unless given", () => {
        const init = patroniRequestInit();
        expect(init).toMatchObject({ method: "GET", headers: {} });
        expect(init.body).toBeUndefined();
        expect(init.signal).toBeInstanceOf(AbortSignal);
    });

    it("sends a body as JSON with basic auth", () => {
        const init = patroniRequestInit({ method: "PATCH", body: { pause: true }, auth: { username: "patroni", password: "api-pw" } });
        expect(init).toMatchObject({
            method: "PATCH",
            body: '{"pause":true}',
            headers: { "content-type": "application/json", authorization: "Basic " + Buffer.from("patroni:api-pw").toString("base64") },
        });
    });

    it("reads JSON answers, and plain-text ones as text", () => {
        expect(patroniAnswer(200, "OK", '{"members":[]}')).toEqual({ status: 200, statusText: "OK", ok: true, text: '{"members":[]}', body: { members: [] } });
        expect(patroniAnswer(503, "Service Unavailable", "restart conditions are not satisfied")).toMatchObject({ ok: false, body: "restart conditions are not satisfied" });
    });

    it("returns error statuses as answers for the caller to judge", async () => {
        const { sent, transport } = recorder(401, "no auth", "Unauthorized");
        const answer = await patroniRequest(transport, "http://m:8008", "/switchover", { method: "POST", body: { leader: "pg-0" } });
        expect(answer).toMatchObject({ status: 401, statusText: "Unauthorized", ok: false, text: "no auth" });
        expect(sent.map((s) => [s.url, s.init.method, s.init.body])).toEqual([["http://m:8008/switchover", "POST", '{"leader":"pg-0"}']]);
    });

    it("passes on the transport's error when a member does not answer", async () => {
        const refused = Object.assign(new TypeError("fetch failed"), { cause: { code: "ECONNREFUSED" } });
        await expect(patroniRequest(async () => Promise.reject(refused), "http://m:8008", "/cluster")).rejects.toBe(refused);
    });
});
