import { databaseFields, parseDatabase, planDatabase, planDatabaseRemoval } from "@pgscale/core";
import { namedObjectHandlers } from "../sql/named-object";
import { readDatabase, readDatabaseCatalog } from "./catalog";

// Removal drops nothing unless removalPolicy is "destroy". DROP DATABASE runs on the
// connection's own database, which the spec never names.
export const databaseHandlers = namedObjectHandlers({
    kind: "Database",
    keys: Object.keys(databaseFields.shape),
    parse: parseDatabase,
    readCatalog: readDatabaseCatalog,
    plan: planDatabase,
    observe: readDatabase,
    removal: planDatabaseRemoval,
    live: (props, observed) => ({ connectionLimit: observed.connectionLimit, ...(props.owner === undefined ? {} : { owner: observed.owner }) }),
});
