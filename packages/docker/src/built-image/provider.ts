import type * as pulumi from "@pulumi/pulumi";
import { packageRequire } from "@pgscale/postgres";
import { DOCKER_PACKAGE } from "../own-package";

// Called through the package's one provider (providers.ts). A state written before that holds this
// object serialized as `__provider`: it captures only where this package is installed (a path, not a
// secret; own-package.ts), because Pulumi's dynamic-provider host resolves bare module names from
// the program's directory, which in a strict install (pnpm) may not see @pgscale/docker.
const load = packageRequire(DOCKER_PACKAGE);

type Handlers = typeof import("./handlers").builtImageHandlers;
const handlers = (): Handlers => load().builtImageHandlers;

export const builtImageProvider: pulumi.dynamic.ResourceProvider = {
    async create(inputs) {
        return handlers().create(inputs);
    },
    async diff(id, olds, news) {
        return handlers().diff(id, olds, news);
    },
    async update(id, olds, news) {
        return handlers().update(id, olds, news);
    },
    async read(id, props) {
        return handlers().read(id, props);
    },
    async delete() {
        return handlers().delete();
    },
};
