import * as fs from "fs";
import * as os from "os";
import * as path from "path";

const dirs: string[] = [];
process.on("exit", () => dirs.forEach((d) => fs.rmSync(d, { recursive: true, force: true })));

/** Writes `content` to `name` in a new temporary directory, removed when the test process exits. */
export function tempFile(prefix: string, name: string, content: string): string {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
    dirs.push(dir);
    const file = path.join(dir, name);
    fs.writeFileSync(file, content);
    return file;
}
