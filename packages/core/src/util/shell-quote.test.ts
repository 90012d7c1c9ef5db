import { spawnSync } from "child_process";
import { shellQuote } from "./shell-quote";

describe("shellQuote", () => {
    it("gives the shell back exactly the string, quotes, spaces and $ included", () => {
        for (const s of ["plain", "it's", "a b  c", "$HOME `x` \\ \"q\"", "'", ""]) {
            expect(spawnSync("sh", ["-c", `printf '%s' ${shellQuote(s)}`], { encoding: "utf8" }).stdout).toBe(s);
        }
    });
});
