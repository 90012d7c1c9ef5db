import { parseSchema, planSchema, planSchemaRemoval, schemaFields } from "@pgscale/core";
import { namedObjectHandlers } from "../sql/named-object";
import { readSchema, readSchemaCatalog } from "./catalog";

export const schemaHandlers = namedObjectHandlers({
    kind: "Schema",
    keys: Object.keys(schemaFields.shape),
    parse: parseSchema,
    readCatalog: readSchemaCatalog,
    plan: planSchema,
    observe: readSchema,
    removal: planSchemaRemoval,
    live: (props, observed) => (props.owner === undefined ? {} : { owner: observed.owner }),
});
