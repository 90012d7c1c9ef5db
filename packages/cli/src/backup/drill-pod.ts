import { KubectlTarget, MemberPod, PGBACKREST_PATHS, RestoreDrillSpec, kubectlArgs, kubectlOk, repositoryClaimOf, runDrillPod } from "@pgscale/core";
import { DrillOutcome, drillOutcome, readDrillSource } from "./drill";
import { BackupMember, ContainerExec } from "./members";

// `pgscale backup drill --pod`: the Kubernetes RestoreDrill's drill (runDrillPod in @pgscale/core),
// on request, from a running member: what the resource gets from the stack (the member's pod
// spec, the bucket or the repository's claim, the passphrase, the data directory) is read off the member pod here.

/** Restores `member`'s repository in a throwaway pod beside it, as the Docker drill does in a throwaway container. */
export async function drillInPod(t: KubectlTarget, exec: ContainerExec, member: BackupMember, stanza: string, spec: RestoreDrillSpec): Promise<DrillOutcome & { pod: string }> {
    const source = await readDrillSource(exec, member.container);
    const memberPod = JSON.parse(await kubectlOk(kubectlArgs(t, ["get", "pod", member.container, "--output", "json"]), `reading pod ${member.container}`)) as MemberPod;
    // The bucket, else the claim the member mounts as its repository (mounted read-only in the drill pod).
    const claim = source.s3 ? undefined : repositoryClaimOf(memberPod);
    if (!source.s3 && claim === undefined) throw new Error(`${member.container}: no S3 bucket in its pgBackRest configuration and no claim at ${PGBACKREST_PATHS.repository} (not a member of a PatroniCluster with backup?)`);
    const repository = source.s3 ? { s3: source.s3 } : { claim };
    const { pod, ...result } = await runDrillPod(t, memberPod, { stanza, dataDir: source.dataDir, passphrase: source.passphrase, ...repository }, spec);
    return { ...drillOutcome(member.container, stanza, { ...result, ranAt: new Date().toISOString() }, spec), pod };
}
