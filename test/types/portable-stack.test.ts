import * as fs from "fs";
import * as path from "path";
import * as ts from "typescript";

// Compiles portable-stack.ts once per platform, as a user moving a stack would: the same text
// with only its import changed. One program holds every variant (the packages are checked once);
// each variant is a file of its own, so its diagnostics are its own.
const ROOT = path.resolve(__dirname, "..", "..");
const PROGRAM = path.join(__dirname, "portable-stack.ts");
const PLATFORM_IMPORT = `from "@pgscale/platform"`;

const variants = {
    docker: `from "@pgscale/docker"`,
    kubernetes: `from "@pgscale/kubernetes"`,
    // The control: a platform whose HAProxyFrontend renamed one output and retyped another.
    renamed: `from "./renamed-platform"`,
};
type Variant = keyof typeof variants;
const variantFile = (v: Variant) => path.join(__dirname, `portable-stack.${v}.ts`);

function compileVariants(): Record<Variant | "sameShape", string[]> {
    const config = ts.getParsedCommandLineOfConfigFile(path.join(ROOT, "tsconfig.test.json"), {}, {
        ...ts.sys,
        onUnRecoverableConfigFileDiagnostic: (d) => { throw new Error(ts.flattenDiagnosticMessageText(d.messageText, "\n")); },
    });
    if (!config) throw new Error("tsconfig.test.json could not be read");
    const text = fs.readFileSync(PROGRAM, "utf8");
    if (!text.includes(PLATFORM_IMPORT)) throw new Error(`portable-stack.ts no longer imports ${PLATFORM_IMPORT}`);
    // The variants live in memory beside the program, so they resolve modules as it does.
    const files = new Map((Object.keys(variants) as Variant[]).map((v) => [variantFile(v), text.replace(PLATFORM_IMPORT, variants[v])]));
    const host = ts.createCompilerHost(config.options);
    const readSourceFile = host.getSourceFile.bind(host);
    host.getSourceFile = (fileName, language, ...rest) =>
        files.has(fileName) ? ts.createSourceFile(fileName, files.get(fileName)!, language) : readSourceFile(fileName, language, ...rest);
    host.fileExists = (f) => files.has(f) || ts.sys.fileExists(f);
    host.readFile = (f) => files.get(f) ?? ts.sys.readFile(f);
    const sameShape = path.join(__dirname, "same-shape.ts");
    const program = ts.createProgram({ rootNames: [...files.keys(), sameShape], options: { ...config.options, noEmit: true }, host });

    const diagnosticsOf = (file: string) => {
        const source = program.getSourceFile(file)!;
        return [...program.getSyntacticDiagnostics(source), ...program.getSemanticDiagnostics(source)].map((d) => {
            const line = d.start === undefined ? "" : source.text.split("\n")[source.getLineAndCharacterOfPosition(d.start).line].trim();
            return `${line} -- ${ts.flattenDiagnosticMessageText(d.messageText, " ")}`;
        });
    };
    return {
        docker: diagnosticsOf(variantFile("docker")),
        kubernetes: diagnosticsOf(variantFile("kubernetes")),
        renamed: diagnosticsOf(variantFile("renamed")),
        sameShape: diagnosticsOf(sameShape),
    };
}

// Type-checking the packages from source takes a while on a shared machine.
jest.setTimeout(240_000);

describe("one API on both platforms", () => {
    let diagnostics: ReturnType<typeof compileVariants>;
    beforeAll(() => { diagnostics = compileVariants(); });

    it("compiles the portable stack against @pgscale/docker", () => {
        expect(diagnostics.docker).toEqual([]);
    });

    it("compiles the same stack against @pgscale/kubernetes", () => {
        expect(diagnostics.kubernetes).toEqual([]);
    });

    it("declares every shared output and argument with the same type on both platforms", () => {
        expect(diagnostics.sameShape).toEqual([]);
    });

    it("refuses a platform that renamed or retyped an output", () => {
        expect(diagnostics.renamed).toEqual(expect.arrayContaining([
            expect.stringMatching(/^export const primaryUri: .* -- Property 'primaryUri' does not exist/),
            expect.stringMatching(/^export const primaryPort: pulumi\.Output<number> = lb\.primaryPort; -- Type 'number' is not assignable/),
        ]));
    });
});
