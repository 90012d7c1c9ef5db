import { extensionFields, parseExtension, planExtension, planExtensionRemoval } from "@pgscale/core";
import { namedObjectHandlers } from "../sql/named-object";
import { readExtension, readExtensionCatalog } from "./catalog";

export const extensionHandlers = namedObjectHandlers({
    kind: "Extension",
    keys: Object.keys(extensionFields.shape),
    parse: parseExtension,
    readCatalog: readExtensionCatalog,
    plan: planExtension,
    observe: readExtension,
    removal: planExtensionRemoval,
    // A version or schema the spec leaves open is whatever the server chose; only declared ones drift.
    live: (props, observed) => ({ ...(props.version === undefined ? {} : { version: observed.version }), ...(props.schema === undefined ? {} : { schema: observed.schema }) }),
});
