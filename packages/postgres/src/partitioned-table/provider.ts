import type * as pulumi from "@pulumi/pulumi";

// The object Pulumi serializes into the state as `__provider`. It captures
// nothing: no connection string (that is a secret input each call receives),
// no module objects. Each method loads the implementation when it runs, from the
// @pgscale/postgres package installed next to the program.

type Handlers = typeof import("./handlers").partitionedTableHandlers;

export const partitionedTableProvider: pulumi.dynamic.ResourceProvider = {
    async check(olds, news) {
        return (require("@pgscale/postgres").partitionedTableHandlers as Handlers).check(olds, news);
    },
    async diff(id, olds, news) {
        return (require("@pgscale/postgres").partitionedTableHandlers as Handlers).diff(id, olds, news);
    },
    async create(inputs) {
        return (require("@pgscale/postgres").partitionedTableHandlers as Handlers).create(inputs);
    },
    async read(id, props) {
        return (require("@pgscale/postgres").partitionedTableHandlers as Handlers).read(id, props);
    },
    async update(id, olds, news) {
        return (require("@pgscale/postgres").partitionedTableHandlers as Handlers).update(id, olds, news);
    },
    async delete(id, props) {
        return (require("@pgscale/postgres").partitionedTableHandlers as Handlers).delete(id, props);
    },
};
