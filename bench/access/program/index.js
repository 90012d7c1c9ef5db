// The access benchmark's stack: `roles` group roles, each with 4 grants (CONNECT on the database,
// USAGE on the schema, SELECT on its tables and USAGE on its sequences, the last two with default
// privileges), the same statements bench/benchmarks/access.ts writes for psql. Or, for Pulumi's floor,
// one dynamic resource that does nothing (`trivial`).
const pulumi = require("@pulumi/pulumi");
const cfg = new pulumi.Config();
if (cfg.getBoolean("trivial")) {
    new pulumi.dynamic.Resource({ async create() { return { id: "noop", outs: {} }; } }, "noop", {});
} else {
    const { Grant, Role } = require("@pgscale/postgres");
    const connection = cfg.requireSecret("pgUri");
    const n = cfg.requireNumber("roles");
    const prefix = cfg.require("prefix");
    const schema = cfg.require("schema");
    const database = cfg.require("database");
    for (let i = 0; i < n; i++) {
        const id = `${prefix}${String(i).padStart(2, "0")}`;
        const role = new Role(id, { connection, name: id, login: false });
        new Grant(`${id}-connect`, { connection, role: role.name, on: "database", database, privileges: ["CONNECT"] });
        new Grant(`${id}-usage`, { connection, role: role.name, on: "schema", schema, privileges: ["USAGE"] });
        new Grant(`${id}-tables`, { connection, role: role.name, on: "tables", schema, privileges: ["SELECT"] });
        new Grant(`${id}-sequences`, { connection, role: role.name, on: "sequences", schema, privileges: ["USAGE"] });
    }
}
