// The script CertificateDelivery runs in a container (one exec), run here by the host's sh with
// the same coreutils: every file from one standard input, the key 0600, unchanged files kept
// as they were, the outcome on the last line.
import { execFileSync } from "child_process";
import { mkdtempSync, readFileSync, rmSync, statSync } from "fs";
import { tmpdir } from "os";
import { join } from "path";
import { deliveryScript } from "./cert-delivery";

const NAMES = { cert: "server.crt", key: "server.key", ca: "ca.crt" };
let root: string;
beforeEach(() => { root = mkdtempSync(join(tmpdir(), "pgscale-delivery-")); });
afterEach(() => rmSync(root, { recursive: true, force: true }));

function deliver(files: { key: string; cert: string; ca: string; trust?: Array<{ path: string; pem: string }> }, opts: { keyReadableByAll?: boolean; stdin?: string } = {}): string {
    const bytes = (s: string) => Buffer.byteLength(s, "utf8");
    const trust = files.trust ?? [];
    const script = deliveryScript(join(root, "tls"), NAMES, { key: bytes(files.key), cert: bytes(files.cert), ca: bytes(files.ca), trust: trust.map((t) => ({ path: t.path, bytes: bytes(t.pem) })) }, opts.keyReadableByAll);
    const input = opts.stdin ?? [files.key, files.cert, files.ca, ...trust.map((t) => t.pem)].join("");
    return execFileSync("sh", ["-c", script], { input, encoding: "utf8", stdio: ["pipe", "pipe", "pipe"] }).trim().split("\n").pop()!;
}

const pem = (what: string, n: number) => `-----BEGIN ${what}-----\n${"é".repeat(n)}\n-----END ${what}-----\n`;
const mode = (f: string) => (statSync(join(root, "tls", f)).mode & 0o777).toString(8);

it("writes every file from one standard input, the key 0600; the same files again change nothing", () => {
    const trustPath = join(root, "trust.pem");
    const files = { key: pem("PRIVATE KEY", 40), cert: pem("CERTIFICATE", 300), ca: pem("CERTIFICATE", 7), trust: [{ path: trustPath, pem: pem("CERTIFICATE", 3) }] };
    expect(deliver(files)).toBe("created");
    expect(readFileSync(join(root, "tls", "server.key"), "utf8")).toBe(files.key);
    expect(readFileSync(join(root, "tls", "server.crt"), "utf8")).toBe(files.cert);
    expect(readFileSync(join(root, "tls", "ca.crt"), "utf8")).toBe(files.ca);
    expect(readFileSync(trustPath, "utf8")).toBe(files.trust[0].pem);
    expect([mode("server.key"), mode("server.crt"), mode("ca.crt")]).toEqual(["600", "644", "644"]);
    const caTime = statSync(join(root, "tls", "ca.crt")).mtimeMs;
    expect(deliver(files)).toBe("unchanged");
    // A renewed certificate: replaced; the CA, the same, keeps its time.
    expect(deliver({ ...files, cert: pem("CERTIFICATE", 301) })).toBe("replaced");
    expect(readFileSync(join(root, "tls", "server.crt"), "utf8")).toBe(pem("CERTIFICATE", 301));
    expect(statSync(join(root, "tls", "ca.crt")).mtimeMs).toBe(caTime);
    expect(execFileSync("ls", ["-A", join(root, "tls")], { encoding: "utf8" }).split("\n").filter((f) => f.endsWith(".next"))).toEqual([]);
});

it("keyReadableByAll writes the key 0644", () => {
    expect(deliver({ key: pem("PRIVATE KEY", 5), cert: pem("CERTIFICATE", 5), ca: pem("CERTIFICATE", 5) }, { keyReadableByAll: true })).toBe("created");
    expect(mode("server.key")).toBe("644");
});

it("standard input shorter than the files fails, and no file is put in place", () => {
    const files = { key: pem("PRIVATE KEY", 5), cert: pem("CERTIFICATE", 5), ca: pem("CERTIFICATE", 5) };
    expect(() => deliver(files, { stdin: files.key + files.cert })).toThrow(/ca\.crt\.next: \d+ bytes expected on standard input/);
    expect(() => statSync(join(root, "tls", "server.crt"))).toThrow(/ENOENT/);
});
