// PATCH /config merges into Patroni's DCS document: a key left out keeps its value, and only a
// null removes it. Most of the document is a set of scalar settings, but some sections are maps the
// stack declares whole (permanent `slots`): an entry the stack no longer declares must go, so the
// patch names it with null.

/** Sections of the DCS document whose entries the stack declares in full. */
export const WHOLE_DCS_MAPS = ["slots"] as const;

/** The PATCH body: the stack's document, plus a null for each entry of a whole map the live document has and the stack dropped. */
export function dcsPatch(want: Record<string, unknown>, live: Record<string, unknown>): Record<string, unknown> {
    const patch: Record<string, unknown> = { ...want };
    for (const key of WHOLE_DCS_MAPS) {
        const have = live[key];
        if (!(key in want) || !have || typeof have !== "object") continue;
        const declared = (want[key] ?? {}) as Record<string, unknown>;
        const removed = Object.keys(have).filter((k) => !(k in declared));
        if (removed.length) patch[key] = { ...declared, ...Object.fromEntries(removed.map((k) => [k, null])) };
    }
    return patch;
}

/**
 * Whether the patch switches failsafe_mode off (false, or null: Patroni's default, off). Members
 * that have loaded such a document answer the leader's POST /failsafe with an error, so a leader
 * that cannot read the DCS at that moment (the partition failsafe mode exists for, or etcd just
 * back and its client not reconnected yet) demotes itself. Before such a PATCH, every member must
 * be seen reading the DCS (configApplied over its dcs_last_seen samples).
 */
export function switchesFailsafeOff(patch: Record<string, unknown>, live: Record<string, unknown>): boolean {
    return isOn(live.failsafe_mode) && "failsafe_mode" in patch && !isOn(patch.failsafe_mode);
}

/** Patroni reads the mode with parse_bool: a document edited by hand (patronictl edit-config) may say "on". */
function isOn(v: unknown): boolean {
    return v === true || (typeof v === "string" && /^(true|on|yes|1)$/i.test(v.trim()));
}
