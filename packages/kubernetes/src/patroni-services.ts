import * as pulumi from "@pulumi/pulumi";
import * as k8s from "@pulumi/kubernetes";
import { Labels, ROLE_LABEL, ROLE_VALUES } from "./labels";
import { NOT_AWAITED } from "./provider-await";

export interface PatroniServicesArgs {
    namespace: pulumi.Input<string>;
    labels: Labels;
    /** The members' selector. */
    selector: Labels;
    scope: string;
    serviceType: k8s.types.input.core.v1.ServiceSpec["type"];
    pgPort: number;
    apiPort: number;
    /** On Patroni's Kubernetes DCS: the leader and config Services Patroni's Endpoints need. */
    kubernetesDcs: boolean;
}

/**
 * A PatroniCluster's Services: the role Services clients use, and those its members need before
 * they start (the StatefulSet depends on `memberServices`).
 */
export function patroniServices(name: string, a: PatroniServicesArgs, parent: pulumi.Resource): { roleServices: k8s.core.v1.Service[]; memberServices: k8s.core.v1.Service[] } {
    const service = (suffix: string, svcSpec: k8s.types.input.core.v1.ServiceSpec, svcName = `${name}-${suffix}`, annotations?: Record<string, string>) =>
        new k8s.core.v1.Service(`${name}-${suffix}`, {
            metadata: { name: svcName, namespace: a.namespace, labels: a.labels, annotations },
            spec: svcSpec,
        }, { parent });
    const pgPorts = [{ name: "postgresql", port: a.pgPort, targetPort: a.pgPort }];
    // The role Services come up beside the StatefulSet, never before it (provider-await.ts). The
    // replicas Service is not awaited: replicas that still catch up would hold it, and the reconcile
    // Job already waits until every replica streams.
    const roleServices = [
        service("primary", { type: a.serviceType, selector: { ...a.selector, [ROLE_LABEL]: ROLE_VALUES.primary }, ports: pgPorts }),
        service("replicas", { type: a.serviceType, selector: { ...a.selector, [ROLE_LABEL]: ROLE_VALUES.replica }, ports: pgPorts },
            undefined, NOT_AWAITED),
    ];
    // The members depend on these (they must exist first) and make them ready: not awaited.
    const memberServices = [
        // Stable member names for replication, HAProxy checks and the reconcile Job, ready or not.
        service("headless", {
            clusterIP: "None", publishNotReadyAddresses: true, selector: a.selector,
            ports: [...pgPorts, { name: "patroni", port: a.apiPort, targetPort: a.apiPort }],
        }, undefined, NOT_AWAITED),
        ...(a.kubernetesDcs ? [
            // Patroni writes the leader's address into the Endpoints named after the scope; this
            // selector-less Service keeps them from being garbage-collected and routes to the lock holder.
            service("leader", { ports: pgPorts }, a.scope, NOT_AWAITED),
            // Patroni would create this itself with `services: create`; owning it keeps that verb out of the Role.
            service("config", { clusterIP: "None" }, `${a.scope}-config`, NOT_AWAITED),
        ] : []),
    ];
    return { roleServices, memberServices };
}
