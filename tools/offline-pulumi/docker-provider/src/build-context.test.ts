// Build context selection (.dockerignore), digest and tar format, checked against GNU tar.
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { contextDigest, contextEntries, resolveBuildPaths } from "./build-context";
import { tarArchive } from "./tar";

let dir: string;

function write(rel: string, content = "x\n") {
    fs.mkdirSync(path.dirname(path.join(dir, rel)), { recursive: true });
    fs.writeFileSync(path.join(dir, rel), content);
}

beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "standin-context-"));
    write("Dockerfile", "FROM scratch\n");
    for (const f of ["app.js", "debug.log", "keep.log", "a^b", "tmp/x/y.txt", "src/node_modules/m.js", "docs/guide.md", "src/main.js"]) {
        write(f);
    }
    write(".dockerignore", ["# comment", "*.log", "!keep.log", "tmp/**", "**/node_modules", "/docs/", "a^b", "Dockerfile"].join("\n"));
});

afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

it("selects files like Docker's pattern matcher, always shipping Dockerfile and .dockerignore", () => {
    const { entries, dockerfileName } = contextEntries(resolveBuildPaths({ context: dir }));
    const files = entries.filter((e) => e.type === "file").map((e) => e.name).sort();
    expect(files).toEqual([".dockerignore", "Dockerfile", "app.js", "keep.log", "src/main.js"]);
    expect(dockerfileName).toBe("Dockerfile");
});

it("ships a Dockerfile from outside the context under a generated name", () => {
    const outside = path.join(dir, "..", `${path.basename(dir)}.Dockerfile`);
    fs.writeFileSync(outside, "FROM scratch\n");
    try {
        const { entries, dockerfileName } = contextEntries(resolveBuildPaths({ context: dir, dockerfile: outside }));
        expect(dockerfileName).toMatch(/^\.dockerfile\.[0-9a-f]+$/);
        expect(entries.find((e) => e.name === dockerfileName)?.data?.toString()).toBe("FROM scratch\n");
    } finally {
        fs.rmSync(outside);
    }
});

it("changes the digest for content, mode and name changes, not for ignored files", () => {
    const paths = resolveBuildPaths({ context: dir });
    const base = contextDigest(paths);
    write("debug.log", "changed\n");
    expect(contextDigest(paths)).toBe(base);
    write("app.js", "changed\n");
    const edited = contextDigest(paths);
    expect(edited).not.toBe(base);
    fs.chmodSync(path.join(dir, "app.js"), 0o755);
    expect(contextDigest(paths)).not.toBe(edited);
    fs.renameSync(path.join(dir, "src/main.js"), path.join(dir, "src/index.js"));
    expect(contextDigest(paths)).not.toBe(edited);
});

it("writes archives GNU tar reads back: modes, long names, symlinks", () => {
    const long = `${"deep/".repeat(30)}file.txt`;
    const archive = tarArchive([
        { name: "etc", type: "dir", mode: 0o755 },
        { name: "etc/app.conf", type: "file", mode: 0o600, data: Buffer.from("secret=1\n") },
        { name: long, type: "file", mode: 0o744, data: Buffer.alloc(1500, "a") },
        { name: "link", type: "symlink", mode: 0o777, linkname: "etc/app.conf" },
    ]);
    const out = path.join(dir, "out");
    fs.mkdirSync(out);
    execFileSync("tar", ["-x", "-C", out], { input: archive });
    expect(fs.readFileSync(path.join(out, "etc/app.conf"), "utf8")).toBe("secret=1\n");
    expect(fs.statSync(path.join(out, "etc/app.conf")).mode & 0o777).toBe(0o600);
    expect(fs.statSync(path.join(out, long)).size).toBe(1500);
    expect(fs.statSync(path.join(out, long)).mode & 0o777).toBe(0o744);
    expect(fs.readlinkSync(path.join(out, "link"))).toBe("etc/app.conf");
});
