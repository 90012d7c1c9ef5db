import * as pulumi from "@pulumi/pulumi";
import { PackageLocation, POSTGRES_PACKAGE, packageRequire } from "./own-package";

// One dynamic provider per pgscale package.
//
// Pulumi serializes a dynamic resource's provider into the state (`__provider`) while the program
// runs, and the resource is registered only once that is done. The serializer costs 20-50 ms of
// the program's CPU per distinct provider object (a V8 inspector session and a TypeScript parse
// for each captured function), and a cluster used fourteen: ~0.4 s more than with one, before its
// first container. So each package serializes one provider, and each resource names in its inputs which
// of the package's providers it uses; the call loads that provider from the installed package.

/** The input (and output) that names a resource's provider in its package's `pgscaleProviders`. */
export const PROVIDER_KIND = "__pgscaleProvider";

/** A package's dynamic providers by the type name of the resource that uses each. */
export type ProviderRegistry = Record<string, pulumi.dynamic.ResourceProvider>;

/**
 * The one provider object of the package at `pkg`, serialized once per program. Each method finds
 * the kind's provider in the package's `pgscaleProviders` export and calls it with the properties
 * as the kind has always seen them (without PROVIDER_KIND); what it returns keeps the kind, so read
 * and delete find it again. A method a kind does not define does what Pulumi's dynamic-provider
 * host does without it (check passes the inputs, diff is unknown, read returns the state, update
 * and delete do nothing).
 */
export function packageProvider(pkg: PackageLocation): pulumi.dynamic.ResourceProvider {
    const load = packageRequire(pkg);
    const key = PROVIDER_KIND;
    const kindOf = (props: any): string => props?.[key];
    const of = (props: any): pulumi.dynamic.ResourceProvider => {
        const kind = kindOf(props);
        const found = kind === undefined ? undefined : load().pgscaleProviders?.[kind];
        if (!found) throw new Error(`pgscale: ${pkg.name} has no dynamic provider ${JSON.stringify(kind)}; the state was written by another version of it`);
        return found;
    };
    const bare = (props: any) => {
        if (!props || typeof props !== "object" || !(key in props)) return props;
        const rest = { ...props };
        delete rest[key];
        return rest;
    };
    const kept = (props: any, kind: string) => (props && typeof props === "object" ? { ...props, [key]: kind } : props);
    return {
        async check(olds, news) {
            const p = of(news);
            const r = p.check ? await p.check(bare(olds), bare(news)) : { inputs: bare(news) };
            return { ...r, inputs: kept(r.inputs, kindOf(news)) };
        },
        async diff(id, olds, news) {
            const p = of(news);
            return p.diff ? p.diff(id, bare(olds), bare(news)) : {};
        },
        async create(inputs) {
            const r = await of(inputs).create(bare(inputs));
            return { ...r, outs: kept(r.outs ?? {}, kindOf(inputs)) };
        },
        async read(id, props) {
            const p = of(props);
            if (!p.read) return { id, props };
            const r = await p.read(id, bare(props));
            return { ...r, props: kept(r.props, kindOf(props)), ...(r.inputs ? { inputs: kept(r.inputs, kindOf(props)) } : {}) };
        },
        async update(id, olds, news) {
            const p = of(news);
            const r = (p.update ? await p.update(id, bare(olds), bare(news)) : undefined) || {};
            return { ...r, outs: kept(r.outs ?? {}, kindOf(news)) };
        },
        async delete(id, props) {
            const p = of(props);
            if (p.delete) await p.delete(id, bare(props));
        },
    };
}

/**
 * A dynamic resource of a pgscale package: the package's one provider (`packageProvider`), and
 * the resource's type name as the kind it dispatches on. The same arguments as
 * `pulumi.dynamic.Resource`.
 */
export abstract class PgscaleDynamicResource extends pulumi.dynamic.Resource {
    protected constructor(provider: pulumi.dynamic.ResourceProvider, name: string, props: pulumi.Inputs, opts: pulumi.CustomResourceOptions | undefined, module: string, type: string) {
        super(provider, name, { ...props, [PROVIDER_KIND]: type }, opts, module, type);
    }
}

/** This package's one dynamic provider; its kinds are in providers.ts. */
export const POSTGRES_PROVIDER = packageProvider(POSTGRES_PACKAGE);
