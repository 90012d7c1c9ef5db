import { parse } from "pg-connection-string";
import { libpqCompatible, verifiedTls } from "./client-tls";

describe("libpqCompatible", () => {
    it("gives node-postgres libpq's meaning of sslmode=require: encrypted, not verified", () => {
        const uri = "postgresql://app:pw@127.0.0.1:5432/app?sslmode=require";
        // What node-postgres would do with the URI as libpq users get it: verify against the system's CAs.
        expect(parse(uri).ssl).toEqual({});
        const compat = libpqCompatible(uri);
        expect(compat).toBe(`${uri}&uselibpqcompat=true`);
        expect(parse(compat).ssl).toEqual({ rejectUnauthorized: false });
    });

    it("leaves URIs without sslmode, with uselibpqcompat already, and key=value strings alone", () => {
        for (const uri of [
            "postgresql://app:pw@127.0.0.1:5432/app",
            "postgres://app:pw@h/app?application_name=x",
            "postgresql://app:pw@h/app?sslmode=require&uselibpqcompat=true",
            "host=h sslmode=require",
        ]) expect(libpqCompatible(uri)).toBe(uri);
    });
});

describe("verifiedTls", () => {
    it("verifies chain and name with a CA, and is absent without one", () => {
        expect(verifiedTls("PEM")).toEqual({ ca: "PEM", rejectUnauthorized: true });
        expect(verifiedTls(undefined)).toBeUndefined();
    });
});
