import type { ContainerInfo } from "dockerode";
import { REST_SCHEME_LABEL } from "@pgscale/core";
import { dockerEngine } from "../engine/docker-engine";
import type { LiveMember } from "./rolling-ops";

// Container ports change with every replacement, so rolling changes find the live members of a
// Docker cluster through the engine (by the labels @pgscale/docker's PatroniCluster sets) rather
// than through URLs stored at the last deployment.

/** Labels that select one cluster's PostgreSQL containers. */
export interface MemberSelector {
    project: string;
    stack: string;
    component: string;
}

/** Engine list filters for one cluster's containers: its PostgreSQL members, or the one of `member`. */
export function memberFilters(selector: MemberSelector, member?: string): { label: string[] } {
    const { project, stack, component } = selector;
    return { label: [`pgscale.project=${project}`, `pgscale.stack=${stack}`, `pgscale.component=${component}`, member ? `pgscale.member=${member}` : "pgscale.role=postgres"] };
}

const API_PORT = 8008;
const PG_PORT = 5432;

/** Running member containers of one cluster, with their loopback REST and PostgreSQL ports. */
export async function discoverMembers(selector: MemberSelector, dockerHost?: string): Promise<LiveMember[]> {
    const containers = await dockerEngine(dockerHost).listContainers({ filters: memberFilters(selector) });
    const published = (c: ContainerInfo, port: number) => (c.Ports ?? []).find((p) => p.PrivatePort === port && p.Type === "tcp" && p.PublicPort);
    return containers.flatMap((c) => {
        const api = published(c, API_PORT);
        const name = c.Labels?.["pgscale.member"];
        if (!api || !name) return [];
        const host = (ip: string) => (!ip || ip === "0.0.0.0" ? "127.0.0.1" : ip);
        const pg = published(c, PG_PORT);
        return [{ name, restUrl: `${c.Labels?.[REST_SCHEME_LABEL] === "https" ? "https" : "http"}://${host(api.IP)}:${api.PublicPort}`, ...(pg ? { pg: { host: host(pg.IP), port: pg.PublicPort } } : {}) }];
    }).sort((a, b) => a.name.localeCompare(b.name));
}

