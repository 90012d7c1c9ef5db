import * as pulumi from "@pulumi/pulumi";
import { dockerMockResource } from "../../../test/support/docker-mocks";
import { resolveSharedOutputs } from "../../../test/support/shared-outputs";

// Mocks must be in place before the constructs are imported (PULUMI-NOTES.md).
pulumi.runtime.setMocks({ newResource: dockerMockResource, call: (args) => args.inputs }, "pgscale", "unit");
jest.mock("@pgscale/postgres", () => require("../../../test/support/postgres-stubs"));
// @pgscale/docker's own dynamic resources (rolling gates, HAProxy reload, preflight) are replaced likewise.
jest.mock("./rolling/rollout", () => require("../../../test/support/postgres-stubs"));
jest.mock("./haproxy-reload/config-reload", () => require("../../../test/support/postgres-stubs"));
jest.mock("./tls-delivery/cert-delivery", () => require("../../../test/support/postgres-stubs"));
jest.mock("./etcd-auth", () => require("../../../test/support/postgres-stubs"));
jest.mock("./engine/preflight", () => require("../../../test/support/postgres-stubs"));

import { EtcdCluster, HAProxyFrontend, PatroniCluster, PgBouncerPool } from "./index";

const unwrap = <T>(o: pulumi.Output<T>): Promise<T> => new Promise((resolve) => o.apply(resolve));

// The portable API's values on Docker: host ports on 127.0.0.1, the same names as on Kubernetes
// (packages/kubernetes/src/outputs.test.ts).
describe("shared outputs on Docker", () => {
    it("resolve to loopback URIs at the containers' host ports", async () => {
        const dcs = new EtcdCluster("dcs", { members: 3 });
        const pg = new PatroniCluster("main", { dcs, nodes: 2, database: "appdb", owner: "app", patroni: { synchronousMode: true } });
        const lb = new HAProxyFrontend("lb", { cluster: pg, primaryPort: 15000 });
        const pool = new PgBouncerPool("pool", { backend: lb });
        const out = await resolveSharedOutputs({ dcs, pg, lb, pool });

        expect(out.etcd.clientEndpoints).toEqual(["dcs-0:2379", "dcs-1:2379", "dcs-2:2379"]);
        expect(out.patroni.members).toEqual([0, 1].map((i) => ({
            name: `main-${i}`, host: `main-${i}`, restUrl: expect.stringMatching(/^https:\/\/127\.0\.0\.1:\d+$/), pgPort: expect.any(Number),
        })));
        expect(out.patroni.readyUrn).toMatch(/::main-dcs-config$/);
        expect(out.patroni.tlsCaPem).toBe("CA main-tls");
        expect(out.patroni.ownerPassword).toBe("pw-main-owner-password");

        const { primaryPort, replicaPort, syncReplicaPort } = out.haproxy;
        expect(primaryPort).toBe(15000); // pinned
        expect(new Set([primaryPort, replicaPort, syncReplicaPort]).size).toBe(3);
        expect(out.haproxy).toMatchObject({
            host: "lb",
            statsUrl: expect.stringMatching(/^http:\/\/127\.0\.0\.1:\d+\/$/),
            primaryUri: "postgresql://app:pw-main-owner-password@127.0.0.1:15000/appdb?sslmode=require",
            replicaUri: `postgresql://app:pw-main-owner-password@127.0.0.1:${replicaPort}/appdb?sslmode=require`,
            syncReplicaUri: `postgresql://app:pw-main-owner-password@127.0.0.1:${syncReplicaPort}/appdb?sslmode=require`,
        });
        expect(out.pgbouncer).toEqual({
            port: expect.any(Number),
            uri: `postgresql://app:pw-main-owner-password@127.0.0.1:${out.pgbouncer.port}/appdb?sslmode=require`,
            adminUri: `postgresql://pgscale_admin:pw-pool-admin-password@127.0.0.1:${out.pgbouncer.port}/pgbouncer?sslmode=require`,
        });
    });

    it("leave the synchronous listener out without synchronous mode, and give the CA with TLS", async () => {
        const dcs = new EtcdCluster("dcs2", { members: 3 });
        const pg = new PatroniCluster("tls", { dcs, nodes: 1, tls: { enabled: true } });
        const lb = new HAProxyFrontend("lb2", { cluster: pg });
        expect(lb.syncReplicaPort).toBeUndefined();
        expect(lb.syncReplicaUri).toBeUndefined();
        expect(await unwrap(pg.tlsCaPem)).toBe("CA tls-tls");
    });
});
