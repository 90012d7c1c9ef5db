import * as pulumi from "@pulumi/pulumi";
import { kubernetesMockResource } from "../../../test/support/kubernetes-mocks";
import { resolveSharedOutputs } from "../../../test/support/shared-outputs";

// Mocks must be in place before the constructs are imported (PULUMI-NOTES.md).
pulumi.runtime.setMocks({ newResource: kubernetesMockResource, call: (args) => args.inputs }, "pgscale", "unit");
jest.mock("@pgscale/postgres", () => require("../../../test/support/postgres-stubs"));

import { EtcdCluster, HAProxyFrontend, PatroniCluster, PgBouncerPool } from "./index";

const unwrap = <T>(o: pulumi.Output<T>): Promise<T> => new Promise((resolve) => o.apply(resolve));

// The portable API's values on Kubernetes: in-cluster DNS names and the Services' ports, the same
// names as on Docker (packages/docker/src/outputs.test.ts).
describe("shared outputs on Kubernetes", () => {
    it("resolve to in-cluster URIs at the Services' ports", async () => {
        const dcs = new EtcdCluster("dcs", { members: 3, namespace: "db" });
        const pg = new PatroniCluster("main", { dcs, nodes: 2, database: "appdb", owner: "app", patroni: { synchronousMode: true } });
        const lb = new HAProxyFrontend("lb", { cluster: pg, primaryPort: 15000, serviceType: "NodePort" });
        const pool = new PgBouncerPool("pool", { backend: lb, port: 16432 });
        const out = await resolveSharedOutputs({ dcs, pg, lb, pool });

        const svc = (name: string) => `${name}.db.svc.cluster.local`;
        expect(out.etcd.clientEndpoints).toEqual([0, 1, 2].map((i) => `dcs-${i}.dcs-headless.db.svc.cluster.local:2379`));
        // Locked by default, as on Docker: the CA for clients, root's password, ready once auth is on.
        expect(out.etcd.tlsCaPem).toBe("CA dcs-tls");
        expect(out.etcd.rootPassword).toBe("pw-dcs-root-password");
        expect(out.etcd.readyUrns).toEqual([expect.stringMatching(/kubernetes:batch\/v1:Job::dcs-etcd-auth$/)]);
        expect(out.patroni.members).toEqual([0, 1].map((i) => {
            const host = `main-${i}.main-headless.db.svc.cluster.local`;
            return { name: `main-${i}`, host, restUrl: `https://${host}:8008`, pgPort: 5432 };
        }));
        expect(out.patroni.readyUrn).toMatch(/kubernetes:batch\/v1:Job::main-dcs-config$/);
        expect(out.patroni.tlsCaPem).toBe("CA main-tls"); // TLS required by default, as on Docker
        expect(out.patroni.ownerPassword).toBe("pw-main-owner-password");

        expect(out.haproxy).toEqual({
            host: svc("lb"),
            primaryPort: 15000, // the Service's port, NodePort or not
            replicaPort: 5001,
            syncReplicaPort: 5002,
            statsUrl: `http://${svc("lb")}:7000/`,
            primaryUri: `postgresql://app:pw-main-owner-password@${svc("lb")}:15000/appdb?sslmode=require`,
            replicaUri: `postgresql://app:pw-main-owner-password@${svc("lb")}:5001/appdb?sslmode=require`,
            syncReplicaUri: `postgresql://app:pw-main-owner-password@${svc("lb")}:5002/appdb?sslmode=require`,
        });
        expect(out.pgbouncer).toEqual({
            port: 16432,
            uri: `postgresql://app:pw-main-owner-password@${svc("pool")}:16432/appdb?sslmode=require`,
            adminUri: `postgresql://pgscale_admin:pw-pool-admin-password@${svc("pool")}:16432/pgbouncer?sslmode=require`,
        });
    });

    it("leave the synchronous listener out without synchronous mode", async () => {
        // And without TLS (a local lab): no CA, plain URIs.
        const pg = new PatroniCluster("solo", { nodes: 1, namespace: "db2", tls: { enabled: false } });
        const lb = new HAProxyFrontend("lb2", { cluster: pg });
        expect(await unwrap(lb.primaryUri)).toBe("postgresql://app:pw-solo-owner-password@lb2.db2.svc.cluster.local:5000/app");
        expect(lb.syncReplicaPort).toBeUndefined();
        expect(lb.syncReplicaUri).toBeUndefined();
        expect(await unwrap(lb.primaryPort)).toBe(5000);
        expect(await unwrap(pg.tlsCaPem)).toBeUndefined();
    });
});
