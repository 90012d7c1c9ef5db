import { MemberPod, drillPodManifest, drillPodName, podStarted, repositoryClaimOf } from "./drill-pod";

// The throwaway pod of a Kubernetes restore drill. The drill through a kubectl stand-in:
// packages/cli/src/backup/drill-pod.test.ts (`pgscale backup drill --pod`) and
// packages/kubernetes/src/restore-drill.test.ts (the RestoreDrill resource); with the real
// kubectl in a real cluster: test/e2e/kubernetes.test.ts.

const SECURITY = { runAsNonRoot: true, runAsUser: 100, runAsGroup: 102, fsGroup: 102, seccompProfile: { type: "RuntimeDefault" } };
const CONTAINER_SECURITY = { allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ["ALL"] } };
const MEMBER: MemberPod = {
    metadata: { name: "main-1", namespace: "db" },
    spec: {
        securityContext: SECURITY,
        tolerations: [{ key: "db", operator: "Exists" }],
        containers: [
            { name: "exporter", image: "pgscale/exporters:1" },
            { name: "patroni", image: "pgscale/patroni-17:1", imagePullPolicy: "Never", securityContext: CONTAINER_SECURITY, resources: { limits: { memory: "1Gi" } } },
        ],
    },
};

describe("the drill pod", () => {
    it("is named after the member, within 63 characters", () => {
        expect(drillPodName("main-1", "a1b2c3")).toBe("main-1-drill-a1b2c3");
        const long = drillPodName(`${"m".repeat(60)}-1`, "a1b2c3");
        expect(long).toHaveLength(63);
        expect(long.endsWith("-drill-a1b2c3")).toBe(true);
        // A restore's source check (readSourceInfoInPod): its own word, within the same limit.
        expect(drillPodName("copy", "a1b2c3", "restore-check")).toBe("copy-restore-check-a1b2c3");
        expect(drillPodName(`${"m".repeat(60)}-1`, "a1b2c3", "restore-check")).toHaveLength(63);
    });

    it("says what it is for in its label and annotation: a drill, or a restore's source check", () => {
        const pod = drillPodManifest(MEMBER, "main-1-restore-check-x", 600, "restore-check") as any;
        expect(pod.metadata.labels["app.kubernetes.io/component"]).toBe("restore-check");
        expect(pod.metadata.annotations).toEqual({ "pgscale.io/restore-check-of": "main-1" });
    });

    it("copies the member's image, security contexts, resources and placement, and none of its labels, token or Secrets", () => {
        const pod = drillPodManifest(MEMBER, "main-1-drill-x", 600) as any;
        expect(pod.metadata).toEqual({
            name: "main-1-drill-x", namespace: "db",
            labels: { "app.kubernetes.io/managed-by": "pgscale", "app.kubernetes.io/component": "restore-drill" },
            annotations: { "pgscale.io/drill-of": "main-1" },
        });
        expect(pod.spec).toMatchObject({ restartPolicy: "Never", activeDeadlineSeconds: 600, automountServiceAccountToken: false, securityContext: SECURITY, tolerations: MEMBER.spec.tolerations });
        const [c] = pod.spec.containers;
        expect(c).toMatchObject({ name: "drill", image: "pgscale/patroni-17:1", imagePullPolicy: "Never", command: ["sleep", "600"], securityContext: CONTAINER_SECURITY, resources: { limits: { memory: "1Gi" } } });
        expect(c.volumeMounts.map((m: { mountPath: string }) => m.mountPath)).toEqual(["/var/lib/postgresql/data", "/tmp", "/etc/pgscale", "/var/log/pgbackrest"]);
        expect(pod.spec.volumes.every((v: Record<string, unknown>) => JSON.stringify(Object.keys(v)) === '["name","emptyDir"]')).toBe(true);
        expect(() => drillPodManifest({ ...MEMBER, spec: { containers: [{ name: "x", image: "i" }] } }, "n", 1)).toThrow("pod main-1 has no patroni container: not a member of a PatroniCluster");
    });

    it("mounts a repository claim read-only where a restore reads its source; finds the claim a member mounts as its repository", () => {
        const pod = drillPodManifest(MEMBER, "main-1-drill-x", 600, "restore-drill", "main-backup") as any;
        expect(pod.spec.containers[0].volumeMounts).toContainEqual({ name: "repository", mountPath: "/var/lib/pgbackrest-source", readOnly: true });
        expect(pod.spec.volumes).toContainEqual({ name: "repository", persistentVolumeClaim: { claimName: "main-backup", readOnly: true } });
        expect((drillPodManifest(MEMBER, "n", 600) as any).spec.volumes.map((v: { name: string }) => v.name)).not.toContain("repository");
        const withClaim: MemberPod = {
            ...MEMBER,
            spec: {
                ...MEMBER.spec,
                containers: [{ ...MEMBER.spec.containers[1], volumeMounts: [{ name: "data", mountPath: "/var/lib/postgresql/data" }, { name: "pgbackrest-repository", mountPath: "/var/lib/pgbackrest" }] }],
                volumes: [{ name: "data", persistentVolumeClaim: { claimName: "data-main-1" } }, { name: "pgbackrest-repository", persistentVolumeClaim: { claimName: "main-backup" } }],
            },
        };
        expect(repositoryClaimOf(withClaim)).toBe("main-backup");
        expect(repositoryClaimOf(MEMBER)).toBeUndefined();
    });

    it("has started once its container runs, and never will on an image it cannot pull", () => {
        expect(podStarted({ phase: "Pending", containerStatuses: [{ state: { waiting: { reason: "ContainerCreating" } } }] })).toBeUndefined();
        expect(podStarted({ phase: "Running", containerStatuses: [{ state: { running: {} } }] })).toBe(true);
        expect(podStarted({ phase: "Pending", containerStatuses: [{ state: { waiting: { reason: "ErrImagePull", message: "not found" } } }] })).toBe("ErrImagePull: not found");
        expect(podStarted({ phase: "Failed" })).toBe("the pod ended (Failed) before its work ran");
    });
});

