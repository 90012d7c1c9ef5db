// A platform that breaks the shared API: its HAProxyFrontend calls the read-write URI `writerUri`
// and declares `primaryPort` as a plain number. portable-stack.test.ts proves the portable
// program refuses it; nothing runs this module.
import type * as docker from "@pgscale/docker";
export * from "@pgscale/docker";

type Diverging = Omit<docker.HAProxyFrontend, "primaryUri" | "primaryPort"> & {
    readonly writerUri: docker.HAProxyFrontend["primaryUri"];
    readonly primaryPort: number;
};
export declare const HAProxyFrontend: new (...args: ConstructorParameters<typeof docker.HAProxyFrontend>) => Diverging;
