import { KubectlTarget, MemberPod, RestoreDrillSpec, kubectlArgs, kubectlOk, runDrillPod } from "@pgscale/core";
import { DrillOutcome, drillOutcome, readDrillSource } from "./drill";
import { BackupMember, ContainerExec } from "./members";

// `pgscale backup drill --pod`: the Kubernetes RestoreDrill's drill (runDrillPod in @pgscale/core),
// on request, from a running member: what the resource gets from the stack (the member's pod
// spec, the bucket, the passphrase, the data directory) is read off the member pod here.

/** Restores `member`'s repository in a throwaway pod beside it, as the Docker drill does in a throwaway container. */
export async function drillInPod(t: KubectlTarget, exec: ContainerExec, member: BackupMember, stanza: string, spec: RestoreDrillSpec): Promise<DrillOutcome & { pod: string }> {
    const source = await readDrillSource(exec, member.container);
    if (!source.s3) throw new Error(`${member.container}: its repository is not an S3 bucket, which a drill pod reaches over the network`);
    const memberPod = JSON.parse(await kubectlOk(kubectlArgs(t, ["get", "pod", member.container, "--output", "json"]), `reading pod ${member.container}`)) as MemberPod;
    const { pod, ...result } = await runDrillPod(t, memberPod, { stanza, dataDir: source.dataDir, passphrase: source.passphrase, s3: source.s3 }, spec);
    return { ...drillOutcome(member.container, stanza, { ...result, ranAt: new Date().toISOString() }, spec), pod };
}
