import { parse } from "yaml";
import { renderPatroniYaml } from "@pgscale/core";
import { MemberConfig, renderMemberYaml } from "./patroni-files";

const member: MemberConfig = {
    scope: "main", name: "main-1", host: "main-1.main-headless.db.svc.cluster.local",
    dcs: { ttl: 30, loop_wait: 10 },
    superuser: { username: "postgres", password: "su" },
    replication: { username: "replicator", password: "repl" },
    rewind: { username: "rewind", password: "rw" },
    restApi: { username: "patroni", password: "api" },
    tags: { nofailover: false, noloadbalance: false, clonefrom: false, nosync: false },
    dataDir: "/var/lib/postgresql/data/pg15", binDir: "/usr/lib/postgresql/15/bin",
};

describe("patroni.yml on Kubernetes", () => {
    it("replaces etcd3 with the Kubernetes DCS, Endpoints mode, ports named like the leader Service", () => {
        const labels = { "app.kubernetes.io/name": "patroni", "app.kubernetes.io/instance": "main" };
        const doc = parse(renderMemberYaml(member, { kind: "kubernetes", namespace: "db", labels, pgPort: 5432 }));
        // Patroni takes the first DCS section it finds, and etcd3 sorts before kubernetes.
        expect(doc.etcd3).toBeUndefined();
        expect(doc.kubernetes).toEqual({
            namespace: "db", labels, scope_label: "cluster-name", role_label: "role", use_endpoints: true,
            ports: [{ name: "postgresql", port: 5432 }],
        });
        expect(doc.name).toBe("main-1");
        // Patroni copies a top-level namespace (the etcd key prefix) over kubernetes.namespace.
        expect(doc.namespace).toBeUndefined();
        expect(doc.restapi.connect_address).toBe("main-1.main-headless.db.svc.cluster.local:8008");
        expect(doc.postgresql.connect_address).toBe("main-1.main-headless.db.svc.cluster.local:5432");
        expect(doc.bootstrap.dcs).toEqual({ ttl: 30, loop_wait: 10 });
        expect(doc.postgresql.callbacks).toBeUndefined();
    });

    it("keeps the core renderer's document unchanged on etcd without a callback", () => {
        const store = { kind: "etcd" as const, hosts: ["dcs-0.dcs-headless.db.svc.cluster.local:2379"] };
        expect(renderMemberYaml(member, store)).toBe(renderPatroniYaml({ ...member, store: { etcd3: { hosts: store.hosts } } }));
    });

    it("runs the role-label callback on every event that changes the role", () => {
        const doc = parse(renderMemberYaml(member, { kind: "etcd", hosts: ["h:2379"] }, "/etc/patroni/role-label.sh"));
        expect(doc.etcd3.hosts).toEqual(["h:2379"]);
        expect(doc.postgresql.callbacks).toEqual({
            on_start: "/etc/patroni/role-label.sh", on_stop: "/etc/patroni/role-label.sh",
            on_restart: "/etc/patroni/role-label.sh", on_role_change: "/etc/patroni/role-label.sh",
        });
    });
});
