import { parsePublication, planPublication, planPublicationRemoval, publicationFields } from "@pgscale/core";
import { namedObjectHandlers } from "../sql/named-object";
import { readPublication, readPublicationCatalog } from "./catalog";

export const publicationHandlers = namedObjectHandlers({
    kind: "Publication",
    keys: Object.keys(publicationFields.shape),
    parse: parsePublication,
    readCatalog: readPublicationCatalog,
    plan: planPublication,
    observe: readPublication,
    removal: planPublicationRemoval,
    live: (props, observed) => ({ tables: observed.allTables ? "all" : observed.tables, publish: observed.publish }),
});
