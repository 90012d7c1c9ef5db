// The shape every resource module implements. Handlers see plain values (secrets unwrapped by the
// provider) and return plain outputs; the provider re-applies secretness.
import Docker from "dockerode";

export type Props = Record<string, unknown>;

export interface OpContext {
    /** Secret strings of the current inputs, for redacting messages built from daemon output. */
    secrets: string[];
}

export interface ResourceHandler {
    create(docker: Docker, inputs: Props, ctx: OpContext): Promise<{ id: string; outs: Props }>;
    /** Undefined when the object no longer exists (the engine then drops it from state). */
    read(docker: Docker, id: string, props: Props, ctx: OpContext): Promise<{ id: string; props: Props } | undefined>;
    update(docker: Docker, id: string, olds: Props, news: Props, ctx: OpContext): Promise<Props>;
    delete(docker: Docker, id: string, props: Props, ctx: OpContext): Promise<void>;
}

export const labelsToMap = (labels: unknown): Record<string, string> | undefined => {
    if (!Array.isArray(labels) || labels.length === 0) {
        return undefined;
    }
    const out: Record<string, string> = {};
    for (const l of labels as Array<{ label: string; value: string }>) {
        out[l.label] = l.value;
    }
    return out;
};

export const str = (v: unknown): string | undefined => (typeof v === "string" ? v : undefined);
export const num = (v: unknown): number | undefined => (typeof v === "number" ? v : undefined);
export const bool = (v: unknown): boolean | undefined => (typeof v === "boolean" ? v : undefined);
export const list = <T>(v: unknown): T[] => (Array.isArray(v) ? (v as T[]) : []);
export const strMap = (v: unknown): Record<string, string> | undefined =>
    typeof v === "object" && v !== null && !Array.isArray(v) && Object.keys(v).length > 0
        ? (v as Record<string, string>)
        : undefined;
