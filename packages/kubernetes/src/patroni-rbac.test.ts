import { patroniEndpointNames, patroniRoleRules } from "./patroni-rbac";

describe("Patroni's Role", () => {
    const members = ["main-0", "main-1", "main-2"];

    it("grants the Kubernetes DCS only what Patroni 3.0.2 calls, narrowed by name where RBAC can", () => {
        expect(patroniRoleRules("kubernetes", "main", members)).toEqual([
            { apiGroups: [""], resources: ["endpoints"], verbs: ["create", "list", "watch"] },
            { apiGroups: [""], resources: ["endpoints"], resourceNames: ["main", "main-config", "main-sync", "main-failover"], verbs: ["get", "patch"] },
            { apiGroups: [""], resources: ["pods"], verbs: ["list", "watch"] },
            { apiGroups: [""], resources: ["pods"], resourceNames: members, verbs: ["patch"] },
        ]);
    });

    it("grants an etcd-backed cluster only the role-label patch of its own pods", () => {
        expect(patroniRoleRules("etcd", "main", members)).toEqual([
            { apiGroups: [""], resources: ["pods"], resourceNames: members, verbs: ["patch"] },
        ]);
    });

    it("never grants deletes, wildcards, ConfigMaps, Secrets or Services", () => {
        for (const kind of ["kubernetes", "etcd"] as const) {
            for (const rule of patroniRoleRules(kind, "main", members)) {
                expect(rule.verbs).not.toEqual(expect.arrayContaining(["*"]));
                for (const v of ["delete", "deletecollection", "update"]) expect(rule.verbs).not.toContain(v);
                expect(rule.resources).not.toEqual(expect.arrayContaining(["*"]));
                for (const r of ["configmaps", "secrets", "services"]) expect(rule.resources).not.toContain(r);
            }
        }
    });

    it("names Patroni's Endpoints after the scope", () => {
        expect(patroniEndpointNames("orders")).toEqual(["orders", "orders-config", "orders-sync", "orders-failover"]);
    });
});
