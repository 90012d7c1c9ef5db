// How a dynamic provider finds its package's code again when Pulumi runs it.
//
// Pulumi serializes a dynamic resource's provider into the state (`__provider`) and evaluates that
// text in its dynamic-provider host, where a bare `require("@pgscale/postgres")` resolves from the
// host's working directory (the program's node_modules), not from this package. npm hoists every
// package there; a strict install (pnpm) links only the program's direct dependencies, so a
// program that depends on @pgscale/docker alone would not find @pgscale/postgres, @pgscale/core
// or pg that way. The serialized provider therefore carries the absolute path of the module the
// program loaded (a path, not a secret) and loads the package and its dependencies from there.
// A state written by another installation (another checkout, CI, an upgrade that moved the package)
// falls back to the package name: as the program resolves it, then through the pgscale packages
// that depend on it.

/** Where a package's code was when the program loaded it. Serialized by value into the state. */
export interface PackageLocation {
    /** npm name, for states written by another installation. */
    name: string;
    /** Absolute path of the package's entry module as the program loaded it. */
    entry: string;
    /** Packages an application may depend on instead, that depend on this one. */
    dependents: string[];
}

/** A loader for the serialized provider: `load()` is the package, `load("pg")` its dependency. */
export type PackageRequire = (request?: string) => any;

/**
 * Returns a loader bound to `pkg`. Call this when the module loads and let providers capture the
 * result: Pulumi serializes the closure with `pkg` and `loadFromPackage` by value, whereas a
 * captured import binding would be serialized as a `require` of this module by name.
 */
export function packageRequire(pkg: PackageLocation): PackageRequire {
    return (request?: string) => loadFromPackage(pkg, request ?? pkg.name);
}

/**
 * Loads `request` (the package itself or one of its dependencies) as the package resolves it.
 * Runs in the dynamic-provider host, serialized by value: it may use only `require`, Node.js
 * builtins and its arguments.
 */
export function loadFromPackage(pkg: PackageLocation, request: string): any {
    const fs = require("fs") as typeof import("fs");
    const nodePath = require("path") as typeof import("path");
    const tried: string[] = [];
    let entry: string | undefined;
    if (fs.existsSync(pkg.entry)) entry = pkg.entry;
    else tried.push(pkg.entry);
    for (const via of entry ? [] : [undefined, ...pkg.dependents]) {
        try {
            let from = process.cwd();
            if (via) from = nodePath.dirname(require.resolve(`${via}/package.json`, { paths: [from] }));
            entry = require.resolve(pkg.name, { paths: [from] }) as string;
            break;
        } catch {
            tried.push(via ? `${pkg.name} through ${via}` : `${pkg.name} from ${process.cwd()}`);
        }
    }
    if (!entry) throw new Error(`pgscale: cannot load ${pkg.name} for a dynamic provider (tried ${tried.join("; ")}); install it beside the Pulumi program`);
    const from = (at: string) => require(request === pkg.name ? at : require.resolve(request, { paths: [nodePath.dirname(at)] }));
    if (entry.endsWith(".ts")) {
        // A source checkout run by ts-jest records its TypeScript entry, which the program's own
        // process loads; the dynamic-provider host is plain Node.js, which cannot, and loads the
        // package's build (its package.json main) instead.
        try {
            return from(entry);
        } catch {
            return from(require.resolve(nodePath.dirname(nodePath.dirname(entry))));
        }
    }
    return from(entry);
}

/** This package, as the program loaded it (dist; src/index.ts under ts-jest). */
export const POSTGRES_PACKAGE: PackageLocation = {
    name: "@pgscale/postgres",
    entry: require.resolve("./index"),
    dependents: ["@pgscale/docker", "@pgscale/kubernetes", "@pgscale/testing"],
};
