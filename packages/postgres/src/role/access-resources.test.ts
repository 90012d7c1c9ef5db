import * as pulumi from "@pulumi/pulumi";
import { PgscaleValidationError } from "@pgscale/core";

// Role's graph under Pulumi mocks: validation before any registration, the connection and the
// password as secrets, memberships given as Outputs (another Role's name), and a serialized
// provider that carries no credential.

const registered: pulumi.runtime.MockResourceArgs[] = [];
pulumi.runtime.setMocks(
    {
        newResource(args) {
            registered.push(args);
            return { id: String(args.inputs.name), state: { ...args.inputs, password: "generated" } };
        },
        call: () => ({}),
    },
    "project",
    "stack",
    false,
);

const { Grant, Role, roleProvider } = require("../index") as typeof import("../index");
const CONNECTION = "postgresql://admin:hunter2-secret@db.internal:5432/app";
const settle = <T>(o: pulumi.Output<T>) => new Promise<T>((resolve) => o.apply(resolve));

describe("Role", () => {
    beforeEach(() => registered.splice(0));

    it("registers the defaulted spec with the connection secret, and takes another Role's name as a membership", async () => {
        const readers = new Role("readers", { connection: CONNECTION, name: "readers", login: false });
        const app = new Role("app", { connection: CONNECTION, name: "app_rw", memberOf: [readers.name] });
        await settle(app.urn);
        const inputs = registered.find((r) => r.name === "app")!.inputs;
        expect(inputs).toMatchObject({ name: "app_rw", login: true, inherit: true, connectionLimit: -1, memberOf: ["readers"], removalPolicy: "drop", adoptExisting: false });
        // The engine receives the connection wrapped as a secret: encrypted in the state, masked in diffs.
        expect(inputs.connection).toEqual({ [pulumi.runtime.specialSigKey]: pulumi.runtime.specialSecretSig, value: CONNECTION });
    });

    it("refuses bad input before registering anything, naming each field", () => {
        expect(() => new Role("bad", { connection: CONNECTION, name: "pg_admin", connectionLimit: -5, removalPolicy: "reassign" })).toThrow(PgscaleValidationError);
        try {
            new Role("bad", { connection: CONNECTION, name: "pg_admin", connectionLimit: -5 });
        } catch (e) {
            expect((e as PgscaleValidationError).issues.map((i) => i.field)).toEqual(["name", "connectionLimit"]);
        }
        expect(() => new Role("bad2", { connection: CONNECTION, name: "ok", adoptExisting: "yes" as any })).toThrow(/adoptExisting: must be a boolean/);
        expect(registered).toEqual([]);
    });

    it("a Grant takes a Role's name as its grantee and refuses bad input before registering", async () => {
        const reader = new Role("reader", { connection: CONNECTION, name: "reader", login: false });
        const grant = new Grant("read", { connection: CONNECTION, role: reader.name, on: "tables", schema: "app", privileges: ["select"] });
        await settle(grant.urn);
        expect(registered.find((r) => r.name === "read")!.inputs).toMatchObject({ role: "reader", on: "tables", schema: "app", privileges: ["SELECT"], defaultPrivileges: true, revokeUnmanaged: true });
        registered.splice(0);
        expect(() => new Grant("bad", { connection: CONNECTION, role: "r", on: "schema", schema: "s", privileges: ["SELECT"] })).toThrow(/privileges\[0\]: SELECT does not apply to schema/);
        expect(registered).toEqual([]);
    });

    it("refuses a second Grant of the same grantee on the same objects (each would revoke the other's)", () => {
        const reader = new Role("reader2", { connection: CONNECTION, name: "reader2", login: false });
        new Grant("sel", { connection: CONNECTION, role: reader.name, on: "tables", schema: "app", privileges: ["SELECT"] });
        expect(() => new Grant("ins", { connection: CONNECTION, role: reader.name, on: "tables", schema: "app", privileges: ["INSERT"] }))
            .toThrow(/Grant ins: invalid input[\s\S]*role: Grant sel already declares this grantee's privileges on the same tables/);
        // Another schema, or another server, is another scope.
        new Grant("ins-other", { connection: CONNECTION, role: reader.name, on: "tables", schema: "other", privileges: ["INSERT"] });
        new Grant("ins-elsewhere", { connection: CONNECTION.replace("db.internal", "db2.internal"), role: reader.name, on: "tables", schema: "app", privileges: ["INSERT"] });
    });

    it("serializes a provider that captures no credential", async () => {
        const { text } = await pulumi.runtime.serializeFunction(() => roleProvider, { allowSecrets: false });
        expect(text).not.toContain("hunter2");
    });
});
