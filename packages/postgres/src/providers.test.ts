import * as fs from "fs";
import * as path from "path";
import { pgscaleProviders as dockerProviders } from "../../docker/src/providers";
import { pgscaleProviders as kubernetesProviders } from "../../kubernetes/src/providers";
import { pgscaleProviders as postgresProviders } from "./providers";

// Each package's one dynamic provider finds a resource's provider by the resource's type name
// (package-provider.ts): every dynamic resource a package defines has its entry, and no entry is
// left without one. GeneratedSecret keeps a provider of its own.

/** The type names of the dynamic resources defined in a package's sources. */
function dynamicTypes(pkg: string): string[] {
    const root = path.join(__dirname, "../..", pkg, "src");
    const files = (dir: string): string[] => fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
        e.isDirectory() ? files(path.join(dir, e.name)) : e.name.endsWith(".ts") && !e.name.endsWith(".test.ts") ? [path.join(dir, e.name)] : []);
    return files(root).flatMap((f) => {
        const text = fs.readFileSync(f, "utf8");
        if (!/extends (PgscaleDynamicResource|RestoreDrillResource|CatalogObject<)/.test(text)) return [];
        return [...text.matchAll(/"pgscale",\s*"(\w+)",?\s*\)|extends CatalogObject<\w+> \{[\s\S]*?super\("(\w+)"/g)].map((m) => m[1] ?? m[2]);
    }).sort();
}

describe("each package's dynamic providers", () => {
    it.each([
        ["postgres", postgresProviders],
        ["docker", dockerProviders],
        ["kubernetes", kubernetesProviders],
    ])("@pgscale/%s has one for each of its dynamic resources, and no other", (pkg, registry) => {
        const types = dynamicTypes(pkg);
        expect(types.length).toBeGreaterThan(1);
        expect(Object.keys(registry).sort()).toEqual([...new Set(types)]);
    });
});
