import { KubectlTarget, kubectl, kubectlExecArgs, kubectlOutcome } from "@pgscale/core";
import type { UsageError } from "../options";
import type { ContainerExec } from "./members";

// `pgscale backup --pod`: the same commands as on Docker, run in a member pod's `patroni`
// container with `kubectl exec` (the member's user, postgres, which owns pgBackRest's files; the
// pod's environment, so the scheduler finds Patroni and its Kubernetes DCS lease as it does on
// its own). kubectl is the user's: their kubeconfig (KUBECONFIG or ~/.kube/config), context and
// RBAC (`pods/exec` in the cluster's namespace) decide what they may reach, as for any kubectl call.

/** A pod's name (a DNS subdomain) and a namespace's (a DNS label), as the API server accepts them. */
const POD_NAME = /^(?=.{1,253}$)[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/;
const NAMESPACE = /^(?=.{1,63}$)[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

/**
 * The member pods option (`podOption`: --pod, doctor's --backup-pod) with --namespace and
 * --context, each bad value named; --namespace and --context without a pod are refused too.
 */
export function kubectlTargetArgs(podOption: string, values: { pods: string[]; namespace?: string; context?: string }, errors: UsageError[]): KubectlTarget {
    for (const p of values.pods) if (!POD_NAME.test(p)) errors.push({ option: podOption, message: `${JSON.stringify(p)} is not a pod name` });
    for (const option of ["namespace", "context"] as const) {
        if (values[option] !== undefined && !values.pods.length) errors.push({ option: `--${option}`, message: `applies to ${podOption} only (Kubernetes)` });
    }
    if (values.namespace !== undefined && !NAMESPACE.test(values.namespace)) errors.push({ option: "--namespace", message: `${JSON.stringify(values.namespace)} is not a namespace name` });
    if (values.context !== undefined && (values.context === "" || values.context.startsWith("-"))) errors.push({ option: "--context", message: "must name a kubeconfig context" });
    return { ...(values.namespace !== undefined ? { namespace: values.namespace } : {}), ...(values.context !== undefined ? { context: values.context } : {}) };
}

/** A ContainerExec whose "containers" are member pods, reached with kubectl exec. */
export function kubectlExec(t: KubectlTarget): ContainerExec {
    return async (pod, cmd) => {
        const r = await kubectl(kubectlExecArgs(t, pod, cmd));
        return kubectlOutcome(r.code, r.stdout, r.stderr);
    };
}
