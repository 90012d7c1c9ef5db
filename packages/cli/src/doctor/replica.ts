import { ReplicaSideFacts } from "@pgscale/core";
import { withSession } from "./session";

/** The playbook's replica-side query, with the receive/replay gap and replay age computed by the server. */
export async function gatherFromReplica(uri: string): Promise<ReplicaSideFacts> {
    return withSession(uri, async (c) => {
        const { rows: [r] } = await c.query(`SELECT pg_is_in_recovery() AS in_recovery,
            pg_last_wal_receive_lsn()::text AS received, pg_last_wal_replay_lsn()::text AS replayed,
            pg_wal_lsn_diff(pg_last_wal_receive_lsn(), pg_last_wal_replay_lsn())::float8 AS gap,
            extract(epoch FROM now() - pg_last_xact_replay_timestamp())::float8 AS age`);
        return {
            inRecovery: r.in_recovery,
            receiveLsn: r.received,
            replayLsn: r.replayed,
            // Right after a restart the receiver starts at a segment boundary, behind replay.
            replayGapBytes: r.gap === null ? null : Math.max(0, r.gap),
            lastReplayAgeSeconds: r.age,
        };
    });
}
