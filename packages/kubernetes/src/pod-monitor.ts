import * as pulumi from "@pulumi/pulumi";
import * as k8s from "@pulumi/kubernetes";
import { KubernetesMetricsJob, renderPodMonitor } from "@pgscale/core";
import { Labels } from "./labels";
import { NamespaceRef } from "./namespace";

/**
 * A construct's PodMonitor (`monitoring.podMonitor`; the object is @pgscale/core's
 * renderPodMonitor), named after the construct, beside its pods. A CustomResource: the genuine
 * provider applies it and waits for nothing, and fails the `up` naming the missing CRD when
 * prometheus-operator's CustomResourceDefinitions are not installed.
 */
export function podMonitor(
    name: string,
    a: { namespace: NamespaceRef; labels: Labels; selector: Labels; jobs: KubernetesMetricsJob[]; extraLabels?: Record<string, string>; patroniHttps?: boolean },
    parent: pulumi.Resource,
): k8s.apiextensions.CustomResource {
    // The user's labels (an operator's podMonitorSelector) beside pgscale's own, which win a clash.
    const obj = renderPodMonitor({ name, namespace: a.namespace.name, labels: { ...a.extraLabels, ...a.labels }, selector: a.selector, jobs: a.jobs, ...(a.patroniHttps ? { patroniHttps: true } : {}) });
    return new k8s.apiextensions.CustomResource(`${name}-pod-monitor`, {
        ...obj,
        // The reference, so the object waits for a namespace this program creates.
        metadata: { ...obj.metadata, namespace: a.namespace.ref },
    }, { parent });
}
