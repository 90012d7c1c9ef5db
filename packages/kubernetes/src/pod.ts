import * as k8s from "@pulumi/kubernetes";
import { ImageUser } from "./images";
import { Labels } from "./labels";
import { Placement } from "./platform";

type PodSecurityContext = k8s.types.input.core.v1.PodSecurityContext;
type SecurityContext = k8s.types.input.core.v1.SecurityContext;
type Affinity = k8s.types.input.core.v1.Affinity;
type Volume = k8s.types.input.core.v1.Volume;
type VolumeMount = k8s.types.input.core.v1.VolumeMount;
type Probe = k8s.types.input.core.v1.Probe;

/** Non-root with the image's numeric user (runAsNonRoot cannot check a user name); fsGroup makes volumes writable. */
export function podSecurityContext(image: ImageUser, p: Placement): PodSecurityContext {
    const gid = p.podSecurity.runAsGroup ?? image.gid;
    return {
        runAsNonRoot: true,
        runAsUser: p.podSecurity.runAsUser ?? image.uid,
        runAsGroup: gid,
        fsGroup: p.podSecurity.fsGroup ?? gid,
        // The default ("Always") makes every file group-writable and setgid on each mount: a restarted
        // member's data directory becomes 2770 and PostgreSQL refuses to start ("invalid permissions",
        // it wants 0700 or 0750). Only a new volume's root needs the group; also spares a large
        // volume the recursive walk on every pod start.
        fsGroupChangePolicy: "OnRootMismatch",
        seccompProfile: { type: "RuntimeDefault" },
    };
}

/** Nothing writes to the image: state goes to volumes, scratch to emptyDirs (see scratchVolumes). */
export const containerSecurityContext: SecurityContext = {
    allowPrivilegeEscalation: false,
    readOnlyRootFilesystem: true,
    capabilities: { drop: ["ALL"] },
};

/** One member per node where possible ("preferred") or always ("required"). */
export function antiAffinity(mode: Placement["antiAffinity"], selector: Labels): Affinity {
    const term = { topologyKey: "kubernetes.io/hostname", labelSelector: { matchLabels: selector } };
    return {
        podAntiAffinity: mode === "required"
            ? { requiredDuringSchedulingIgnoredDuringExecution: [term] }
            : { preferredDuringSchedulingIgnoredDuringExecution: [{ weight: 100, podAffinityTerm: term }] },
    };
}

/** The placement fields every pod template shares. */
export function scheduling(p: Placement, selector: Labels) {
    return {
        affinity: antiAffinity(p.antiAffinity, selector),
        tolerations: p.tolerations,
        nodeSelector: p.nodeSelector,
    };
}

/** Writable scratch directories on a read-only root filesystem; `medium: Memory` for /dev/shm. */
export function scratchVolumes(dirs: Record<string, { path: string; memoryMb?: number }>): { volumes: Volume[]; mounts: VolumeMount[] } {
    const entries = Object.entries(dirs);
    return {
        volumes: entries.map(([name, d]) => ({
            name,
            emptyDir: d.memoryMb ? { medium: "Memory", sizeLimit: `${d.memoryMb}Mi` } : {},
        })),
        mounts: entries.map(([name, d]) => ({ name, mountPath: d.path })),
    };
}

/** An HTTP GET probe; `https`: over TLS (the kubelet does not verify the certificate). */
export function httpProbe(path: string, port: number, periodSeconds: number, failureThreshold: number, successThreshold = 1, https = false): Probe {
    return {
        httpGet: { path, port, ...(https ? { scheme: "HTTPS" } : {}) },
        periodSeconds, failureThreshold, successThreshold, timeoutSeconds: Math.min(5, periodSeconds),
    };
}

export function tcpProbe(port: number, periodSeconds: number, failureThreshold: number): Probe {
    return { tcpSocket: { port }, periodSeconds, failureThreshold, timeoutSeconds: Math.min(5, periodSeconds) };
}
