// `pgscale --help` and each `pgscale <command> --help` say what the parser really accepts.
import { COMMANDS } from "./commands";
import { Io } from "./io";
import { mainUsage, run } from "./run";

async function pgscale(...argv: string[]) {
    const out: string[] = [];
    const err: string[] = [];
    const io: Io = { out: (t) => void out.push(t), err: (t) => void err.push(t) };
    const code = await run(argv, io, COMMANDS);
    return { code, stdout: out.join("\n"), stderr: err.join("\n") };
}

/** The long options a help text names, e.g. "--primary-uri". */
const optionsIn = (text: string) => [...new Set([...text.matchAll(/(?<![\w-])--[a-z][a-z-]*/g)].map((m) => m[0]))].sort();

describe("help", () => {
    test("pgscale --help lists every command with its summary, on stdout, exit 0", async () => {
        const r = await pgscale("--help");
        expect(r).toEqual({ code: 0, stdout: mainUsage(COMMANDS), stderr: "" });
        for (const c of COMMANDS) expect(r.stdout).toMatch(new RegExp(`^  ${c.name} +${c.summary.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}$`, "m"));
    });

    test.each(COMMANDS.map((c) => [c.name, c] as const))("pgscale %s --help names exactly the options it parses", async (name, command) => {
        const r = await pgscale(name, "--help");
        expect(r).toEqual({ code: 0, stdout: command.usage, stderr: "" });
        expect(r.stdout.startsWith(`usage: pgscale ${name} `)).toBe(true);
        expect(optionsIn(r.stdout)).toEqual([...command.options].sort());
        expect((await pgscale(name, "-h")).stdout).toBe(command.usage);
    });
});
