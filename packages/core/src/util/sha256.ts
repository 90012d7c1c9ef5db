import { createHash } from "crypto";

/** The SHA-256 of a string, as lowercase hex: pod template annotations that roll pods when it changes. */
export function sha256Hex(s: string): string {
    return createHash("sha256").update(s).digest("hex");
}
