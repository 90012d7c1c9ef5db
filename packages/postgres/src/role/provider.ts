import type * as pulumi from "@pulumi/pulumi";
import { POSTGRES_PACKAGE, packageRequire } from "../own-package";

// Serialized into the state as `__provider`: captures no credential and no module objects, only
// where @pgscale/postgres is installed (own-package.ts). Each method loads the implementation.

type Handlers = typeof import("./handlers").roleHandlers;
const load = packageRequire(POSTGRES_PACKAGE);
const handlers = (): Handlers => load().roleHandlers;

export const roleProvider: pulumi.dynamic.ResourceProvider = {
    check: (olds, news) => handlers().check(olds, news),
    diff: (id, olds, news) => handlers().diff(id, olds, news),
    create: (inputs) => handlers().create(inputs),
    read: (id, props) => handlers().read(id, props),
    update: (id, olds, news) => handlers().update(id, olds, news),
    delete: (id, props) => handlers().delete(id, props),
};
