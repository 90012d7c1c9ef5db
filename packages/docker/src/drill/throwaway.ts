import { PGBACKREST_PATHS, S3RepositorySpec, THROWAWAY_DRILL_CONFIG, renderRestoreConf } from "@pgscale/core";
import * as path from "path";
import { demuxLog, dockerEngine } from "../engine/docker-engine";
import { NO_CAPABILITIES } from "../hardening";
import { oneFileTar } from "./one-file-tar";

/** A source repository as a throwaway container reads it (plain values: the keys and CA resolved). */
export interface SourceRepository {
    /** An engine volume, mounted read-only; or `s3`. */
    volume?: string;
    s3?: S3RepositorySpec;
    /** With `s3`: the network the container joins to reach the endpoint (the cluster's). */
    network?: string;
    stanza: string;
    passphrase?: string;
    dataDir: string;
}

/** Where the repository's configuration is in the container (renderDrillScript reads it there). */
export const THROWAWAY_CONFIG = THROWAWAY_DRILL_CONFIG;

/** The longest a throwaway container's restore is waited for: 12 hours. */
const RESTORE_WAIT_MS = 12 * 3600_000;

/** postgres in pgscale's images (the user the cluster runs as). */
const POSTGRES_UID = 100;
const POSTGRES_GID = 102;

/**
 * Runs `entrypoint` to completion in a throwaway container of `image` that reads the source
 * repository: a volume mounted read-only with no network, or a bucket over `network`; no
 * capability, no published port. The repository's configuration (passphrase and keys included) is
 * put in as a file at THROWAWAY_CONFIG before it starts, never in argv or env. The
 * container is removed afterwards.
 */
export async function runWithSourceRepository(
    dockerHost: string | undefined, subject: string, i: SourceRepository & { image: string; role: string; entrypoint: string[] },
): Promise<{ status: number; stdout: string; stderr: string }> {
    if (!i.s3 === !i.volume) throw new Error(`${subject}: needs either a repository volume or an S3 repository`);
    const engine = dockerEngine(dockerHost);
    // Waiting for the exit is silent for as long as the restore takes: past the default client's
    // 30 s idle timeout, after which the request would never answer.
    const waiter = dockerEngine(dockerHost, RESTORE_WAIT_MS);
    const isolation = i.s3
        ? { NetworkMode: i.network ?? "none" }
        : { NetworkMode: "none", Binds: [`${i.volume}:${PGBACKREST_PATHS.sourceRepository}:ro`] };
    const container = await engine.createContainer({
        Image: i.image,
        User: "postgres",
        Entrypoint: i.entrypoint,
        Cmd: [],
        Labels: { "pgscale.role": i.role },
        ...(i.s3 ? {} : { NetworkDisabled: true }),
        HostConfig: { ...isolation, CapDrop: NO_CAPABILITIES.drops, SecurityOpt: ["no-new-privileges"] },
    });
    try {
        const s3 = i.s3 ? { spec: i.s3, keys: { accessKeyId: i.s3.accessKeyId as string, secretAccessKey: i.s3.secretAccessKey as string } } : undefined;
        const conf = renderRestoreConf({ stanza: i.stanza, dataDir: i.dataDir, cipherPass: i.passphrase, s3 });
        const owner = { uid: POSTGRES_UID, gid: POSTGRES_GID };
        const file = (p: string, content: string, mode: number) =>
            container.putArchive(oneFileTar(path.posix.basename(p), content, { mode, ...owner }), { path: path.posix.dirname(p) });
        await file(THROWAWAY_CONFIG, conf, 0o600);
        if (i.s3?.caPem !== undefined) await file(PGBACKREST_PATHS.sourceS3Ca, i.s3.caPem as string, 0o644);
        await container.start();
        const { StatusCode } = await waiter.getContainer(container.id).wait();
        return { status: StatusCode, ...demuxLog(await container.logs({ stdout: true, stderr: true, follow: false })) };
    } finally {
        await container.remove({ force: true, v: true }).catch(() => undefined);
    }
}
