import { Command } from "./command";
import { Io } from "./io";
import { mainUsage, run } from "./run";

function capture(): Io & { stdout: string[]; stderr: string[] } {
    const stdout: string[] = [];
    const stderr: string[] = [];
    return { stdout, stderr, out: (t) => stdout.push(t), err: (t) => stderr.push(t) };
}

const echo: Command = { name: "echo", summary: "echoes", usage: "usage: echo", options: [], run: async (argv, io) => (io.out(argv.join(" ")), 0) };
const boom: Command = { name: "boom", summary: "fails", usage: "", options: [], run: async () => Promise.reject(new Error("kaput")) };

describe("run (subcommand dispatch)", () => {
    test("passes the remaining arguments to the command", async () => {
        const io = capture();
        expect(await run(["echo", "a", "b"], io, [echo])).toBe(0);
        expect(io.stdout).toEqual(["a b"]);
    });

    test("no command: usage on stderr, exit 2", async () => {
        const io = capture();
        expect(await run([], io, [echo])).toBe(2);
        expect(io.stderr[0]).toBe(mainUsage([echo]));
    });

    test("unknown command: named, exit 2", async () => {
        const io = capture();
        expect(await run(["status"], io, [echo])).toBe(2);
        expect(io.stderr[0]).toMatch(/^pgscale: unknown command "status"/);
    });

    test("a command that throws: exit 1 with the error", async () => {
        const io = capture();
        expect(await run(["boom"], io, [echo, boom])).toBe(1);
        expect(io.stderr[0]).toMatch(/^pgscale boom: Error: kaput/);
    });

    test("usage lists every command with its summary", () => {
        expect(mainUsage([echo, boom])).toContain("  echo  echoes\n  boom  fails");
    });
});
