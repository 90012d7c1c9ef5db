import { spawnSync } from "child_process";
import { oneFileTar } from "./one-file-tar";

describe("oneFileTar", () => {
    it("is a tar the system's tar reads: one file with its name, mode, owner and content", () => {
        const tar = oneFileTar("pgbackrest.conf", "[global]\nrepo1-cipher-pass=x\n", { mode: 0o600, uid: 100, gid: 102 });
        expect(tar.length % 512).toBe(0);
        const list = spawnSync("tar", ["-tvn", "--numeric-owner", "-f", "-"], { input: tar, encoding: "utf8" });
        expect(list.status).toBe(0);
        expect(list.stdout).toMatch(/^-rw------- 100\/102\s+29 .* pgbackrest\.conf\n$/);
        const content = spawnSync("tar", ["-xOf", "-"], { input: tar, encoding: "utf8" });
        expect(content.stdout).toBe("[global]\nrepo1-cipher-pass=x\n");
    });
});
