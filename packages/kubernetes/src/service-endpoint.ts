import * as pulumi from "@pulumi/pulumi";
import type * as k8s from "@pulumi/kubernetes";

/** How to reach a Service: in the cluster by its DNS name, from outside by port-forward. */
export interface ServiceEndpoint {
    name: string;
    namespace: string;
    /** Fully qualified in-cluster DNS name. */
    host: string;
    port: number;
    /** Forwards the port to 127.0.0.1 on the machine running kubectl. */
    portForward: string;
}

export function serviceEndpoint(name: string, namespace: string, port: number, clusterDomain: string): ServiceEndpoint {
    return {
        name, namespace, port,
        host: `${name}.${namespace}.svc.${clusterDomain}`,
        portForward: `kubectl -n ${namespace} port-forward svc/${name} ${port}:${port}`,
    };
}

/** DNS name of a StatefulSet pod through its headless Service (stable across restarts). */
export function podHost(pod: string, headless: string, namespace: string, clusterDomain: string): string {
    return `${pod}.${headless}.${namespace}.svc.${clusterDomain}`;
}

/**
 * The port `service` serves under `portName`, from the Service as the provider reports it: consumers
 * of the port depend on the Service, as Docker's host ports depend on their container.
 */
export function servicePort(service: k8s.core.v1.Service, portName: string): pulumi.Output<number> {
    return service.spec.ports.apply((ports) => {
        const port = (ports ?? []).find((p) => p.name === portName);
        if (!port) throw new Error(`Service has no port named ${portName}`);
        return port.port;
    });
}
