import type { Session } from "./session";

/**
 * The session's role, whether `owner` (a role an object should belong to) exists, and the object
 * named `name` and under its previous name (a rename) as `read` finds them.
 */
export async function ownedObjectFacts<T>(s: Session, owner: string | undefined, name: string, previousName: string | undefined, read: (s: Session, name: string) => Promise<T | null>) {
    const [{ me, owner_exists }] = await s.query<{ me: string; owner_exists: boolean }>(
        "SELECT current_user::text AS me, EXISTS (SELECT 1 FROM pg_roles WHERE rolname = COALESCE($1::text, current_user::text)) AS owner_exists", [owner ?? null]);
    return {
        current: await read(s, name),
        previous: previousName !== undefined && previousName !== name ? await read(s, previousName) : null,
        ownerExists: owner_exists,
        connectionRole: me,
    };
}
