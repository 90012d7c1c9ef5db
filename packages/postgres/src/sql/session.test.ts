import * as net from "net";
import { redact, Session } from "./session";

describe("Session.open", () => {
    it("gives up on a server that accepts and never answers, naming the connection failure, within its timeout", async () => {
        // A loopback listener that takes the connection and says nothing: a host dropping packets, as pg sees it.
        const held: net.Socket[] = [];
        const server = net.createServer((s) => held.push(s));
        await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
        const port = (server.address() as net.AddressInfo).port;
        const t0 = Date.now();
        try {
            await expect(Session.open(`postgresql://app:pw@127.0.0.1:${port}/app`, 300)).rejects.toThrow(/^cannot connect to PostgreSQL: .*timeout/);
            expect(Date.now() - t0).toBeLessThan(5000);
        } finally {
            held.forEach((s) => s.destroy());
            await new Promise((r) => server.close(r));
        }
    });
});

describe("redact", () => {
    const uri = "postgresql://app:s3cr%40t-pw@db.internal:5432/app?sslmode=require";

    it("removes the connection string and its password, decoded or encoded", () => {
        const text = `failed for ${uri}; password s3cr@t-pw; raw s3cr%40t-pw`;
        expect(redact(text, uri)).toBe("failed for <connection>; password <password>; raw <password>");
    });

    it("removes credentials of any other postgres URI in the text", () => {
        expect(redact("see postgres://u:other@h/db", uri)).toBe("see postgres://u:<password>@h/db");
    });

    it("handles key=value connection strings", () => {
        const kv = "host=db user=app password='p w' dbname=app";
        expect(redact("password was p w", kv)).toBe("password was <password>");
    });

    it("leaves text without credentials alone", () => {
        expect(redact('relation "events" already exists (SQLSTATE 42P07)', uri)).toBe('relation "events" already exists (SQLSTATE 42P07)');
    });
});
