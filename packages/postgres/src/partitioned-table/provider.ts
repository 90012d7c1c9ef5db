import type * as pulumi from "@pulumi/pulumi";
import { POSTGRES_PACKAGE, packageRequire } from "../own-package";

// The object Pulumi serializes into the state as `__provider`. It captures no
// connection string (that is a secret input each call receives) and no module
// objects, only where @pgscale/postgres is installed (see own-package.ts). Each
// method loads the implementation from there when it runs.

type Handlers = typeof import("./handlers").partitionedTableHandlers;
const load = packageRequire(POSTGRES_PACKAGE);

export const partitionedTableProvider: pulumi.dynamic.ResourceProvider = {
    async check(olds, news) {
        return (load().partitionedTableHandlers as Handlers).check(olds, news);
    },
    async diff(id, olds, news) {
        return (load().partitionedTableHandlers as Handlers).diff(id, olds, news);
    },
    async create(inputs) {
        return (load().partitionedTableHandlers as Handlers).create(inputs);
    },
    async read(id, props) {
        return (load().partitionedTableHandlers as Handlers).read(id, props);
    },
    async update(id, olds, news) {
        return (load().partitionedTableHandlers as Handlers).update(id, olds, news);
    },
    async delete(id, props) {
        return (load().partitionedTableHandlers as Handlers).delete(id, props);
    },
};
