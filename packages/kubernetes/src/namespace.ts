import * as pulumi from "@pulumi/pulumi";
import * as k8s from "@pulumi/kubernetes";

/** The namespace a construct's objects live in; `name` feeds DNS names, `ref` orders creation. */
export interface NamespaceRef {
    name: string;
    /** Set when this program creates the namespace: children reference it, so they wait for it. */
    resource?: k8s.core.v1.Namespace;
    /** `name` as an output that depends on `resource`: use it in every object's metadata. */
    ref: pulumi.Output<string>;
}

/** Default namespace per stack, like @pgscale/docker's engine prefix: stacks never collide. */
export function defaultNamespace(): string {
    const raw = `${pulumi.getProject()}-${pulumi.getStack()}`.toLowerCase().replace(/[^a-z0-9-]+/g, "-");
    return raw.replace(/^-+/, "").slice(0, 63).replace(/-+$/, "") || "pgscale";
}

/**
 * The namespace for a construct: the one asked for, else its upstream construct's (shared, not
 * created again), else the stack's default. Created as a child of `parent` unless `create` is false
 * or the upstream construct already owns it.
 */
export function resolveNamespace(
    parent: pulumi.Resource, componentName: string, wanted: string | undefined, create: boolean,
    upstream: NamespaceRef | undefined,
): NamespaceRef {
    const name = wanted ?? upstream?.name ?? defaultNamespace();
    if (upstream && upstream.name === name) return upstream;
    if (!create) return { name, ref: pulumi.output(name) };
    const resource = new k8s.core.v1.Namespace(`${componentName}-ns`, {
        metadata: { name, labels: { "app.kubernetes.io/part-of": "pgscale", "app.kubernetes.io/managed-by": "pulumi" } },
    }, { parent });
    return { name, resource, ref: resource.metadata.name };
}
