import { PatroniFacts } from "@pgscale/core";
import { readClusters } from "../patroni/rest";

export async function gatherFromPatroni(urls: string[], ca?: string): Promise<PatroniFacts> {
    const { endpoints, members } = await readClusters(urls, ca);
    return { endpoints: endpoints.map(({ url, reachable, error }) => ({ url, reachable, ...(error ? { error } : {}) })), members };
}
