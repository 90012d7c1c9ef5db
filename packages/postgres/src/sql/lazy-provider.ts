import type * as pulumi from "@pulumi/pulumi";
import { POSTGRES_PACKAGE, packageRequire } from "../own-package";

/**
 * The object Pulumi serializes into the state as a dynamic resource's `__provider`. It captures
 * no credential (the connection is a secret input of every call) and no module objects, only
 * where @pgscale/postgres is installed (own-package.ts) and the name of the handlers it exports:
 * each method loads the implementation from there when it runs.
 */
export function lazyProvider(handlersExport: string): pulumi.dynamic.ResourceProvider {
    const load = packageRequire(POSTGRES_PACKAGE);
    const h = (): Required<pulumi.dynamic.ResourceProvider> => load()[handlersExport];
    return {
        check: (olds, news) => h().check(olds, news),
        diff: (id, olds, news) => h().diff(id, olds, news),
        create: (inputs) => h().create(inputs),
        read: (id, props) => h().read(id, props),
        update: (id, olds, news) => h().update(id, olds, news),
        delete: (id, props) => h().delete(id, props),
    };
}
