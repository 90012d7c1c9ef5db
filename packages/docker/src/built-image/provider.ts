import type * as pulumi from "@pulumi/pulumi";

// The object Pulumi serializes into the state as `__provider`. It captures only the absolute
// path of this package's handlers (a string): Pulumi's dynamic-provider host resolves bare
// module names from wherever @pulumi/pulumi is installed, which in a strict install (pnpm)
// cannot see @pgscale/docker. The package name is the fallback for a state written on another
// machine or before a reinstall moved the package.
const HANDLERS_PATH: string = require.resolve("./handlers");

type Handlers = typeof import("./handlers").builtImageHandlers;

export const builtImageProvider: pulumi.dynamic.ResourceProvider = {
    async create(inputs) {
        return load().create(inputs);
    },
    async diff(id, olds, news) {
        return load().diff(id, olds, news);
    },
    async update(id, olds, news) {
        return load().update(id, olds, news);
    },
    async read(id, props) {
        return load().read(id, props);
    },
    async delete() {
        return load().delete();
    },
};

function load(): Handlers {
    try {
        return require(HANDLERS_PATH).builtImageHandlers;
    } catch {
        return require("@pgscale/docker").builtImageHandlers;
    }
}
