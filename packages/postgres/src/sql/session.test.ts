import { redact } from "./session";

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
