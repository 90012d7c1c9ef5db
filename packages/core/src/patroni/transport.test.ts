import * as http from "http";
import * as https from "https";
import { generateCa, generateServerCert } from "../cluster/tls";
import * as net from "net";
import { patroniRequest } from "./rest";
import { patroniHttp } from "./transport";

// Real sockets on loopback: a member that answers, one that is not listening behind a port proxy
// (accepts, then closes, as Docker's userland proxy does before Patroni listens), one that hangs.

const sockets = new Set<net.Socket>();

async function listen(server: net.Server): Promise<string> {
    server.on("connection", (s: net.Socket) => sockets.add(s));
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    return `http://127.0.0.1:${(server.address() as net.AddressInfo).port}`;
}

describe("patroniHttp, the REST transport", () => {
    const servers: net.Server[] = [];
    afterAll(async () => {
        for (const s of sockets) s.destroy();
        await Promise.all(servers.map((s) => new Promise((r) => s.close(r))));
    });

    it("over https, trusts only the CA it is given and only a certificate naming the URL's host", async () => {
        const ca = generateCa("patroni test CA");
        const cert = generateServerCert(ca, { commonName: "pg-0", dnsNames: ["pg-0", "localhost"], ipAddresses: ["127.0.0.1"] });
        let auth: string | undefined;
        const server = https.createServer({ cert: cert.certPem, key: cert.keyPem }, (req, res) => {
            auth = req.headers.authorization;
            res.writeHead(200, { "content-type": "application/json" }).end('{"state":"running"}');
        });
        servers.push(server);
        const base = (await listen(server)).replace(/^http:/, "https:");
        const call = { auth: { username: "u", password: "p" } };
        expect(await patroniRequest(patroniHttp, base, "/patroni", { ...call, ca: ca.certPem })).toMatchObject({ status: 200, body: { state: "running" } });
        expect(auth).toBe("Basic " + Buffer.from("u:p").toString("base64"));
        auth = undefined;
        // Without the CA (the system's CAs) and with another CA: no request is sent, credentials included.
        await expect(patroniRequest(patroniHttp, base, "/patroni", call)).rejects.toThrow(/unable to verify|self[- ]signed/);
        await expect(patroniRequest(patroniHttp, base, "/patroni", { ...call, ca: generateCa("another CA").certPem })).rejects.toThrow(/self[- ]signed|unable to verify/);
        // The right CA on a host the certificate does not name.
        const other = base.replace("127.0.0.1", "127.0.0.2");
        await expect(patroniRequest(patroniHttp, other, "/patroni", { ...call, ca: ca.certPem })).rejects.toThrow(/127\.0\.0\.2|altname|does not match/i);
        expect(auth).toBeUndefined();
    });

    it("sends method, JSON body and credentials, and reads the answer", async () => {
        let seen: { method?: string; auth?: string; body?: string } = {};
        const server = http.createServer((req, res) => {
            let body = "";
            req.on("data", (c) => (body += c));
            req.on("end", () => {
                seen = { method: req.method, auth: req.headers.authorization, body };
                res.writeHead(200, { "content-type": "application/json" }).end('{"pause":true}');
            });
        });
        servers.push(server);
        const base = await listen(server);
        const answer = await patroniRequest(patroniHttp, base, "/config", { method: "PATCH", body: { pause: true }, auth: { username: "u", password: "p" } });
        expect(answer).toMatchObject({ status: 200, ok: true, body: { pause: true } });
        expect(seen).toEqual({ method: "PATCH", auth: "Basic " + Buffer.from("u:p").toString("base64"), body: '{"pause":true}' });
    });

    it("passes an HTTP error status through as an answer", async () => {
        const server = http.createServer((_req, res) => res.writeHead(503).end("not running"));
        servers.push(server);
        const answer = await patroniRequest(patroniHttp, await listen(server), "/patroni");
        expect(answer).toMatchObject({ status: 503, ok: false, text: "not running" });
    });

    it("fails at once when a port proxy accepts and closes the connection", async () => {
        const server = net.createServer((socket) => socket.destroy());
        servers.push(server);
        const base = await listen(server);
        const t0 = Date.now();
        const err = await patroniRequest(patroniHttp, base, "/patroni", { timeoutMs: 5000 }).catch((e: Error) => e);
        expect(err).toBeInstanceOf(Error);
        expect(((err as Error).cause as NodeJS.ErrnoException).code).toMatch(/ECONNRESET/);
        expect(Date.now() - t0).toBeLessThan(1000);
    });

    it("names a refused connection in the error's cause", async () => {
        const server = net.createServer();
        const base = await listen(server);
        await new Promise((r) => server.close(r));
        const err = await patroniRequest(patroniHttp, base, "/patroni").catch((e: Error) => e);
        expect(((err as Error).cause as NodeJS.ErrnoException).code).toBe("ECONNREFUSED");
    });

    it("gives up after the call's timeout with a TimeoutError", async () => {
        const server = net.createServer(() => undefined); // accepts, never answers
        servers.push(server);
        const base = await listen(server);
        const t0 = Date.now();
        const err = await patroniRequest(patroniHttp, base, "/patroni", { timeoutMs: 300 }).catch((e: Error) => e);
        expect((err as Error).name).toBe("TimeoutError");
        expect(Date.now() - t0).toBeGreaterThanOrEqual(250);
    });
});
