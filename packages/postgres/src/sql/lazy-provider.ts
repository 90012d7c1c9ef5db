import type * as pulumi from "@pulumi/pulumi";
import { POSTGRES_PACKAGE, packageRequire } from "../own-package";

/**
 * A kind's provider that finds its handlers in the installed package, by the export's name, when a
 * method runs. POSTGRES_PROVIDER dispatches to it (providers.ts); states written before the package
 * provider existed hold this object itself, serialized, as `__provider`: keep each export it names.
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
