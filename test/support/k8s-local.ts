// The local single-node cluster of scripts/k8s-local for an e2e file: started unless one is up,
// given the images the file needs, and stopped again afterwards if the file started it (one
// cluster per host: two Kubernetes suites must not run at once).
import * as path from "path";
import { execFile, execFileSync } from "child_process";
import { IMAGE_NAMES, ImageName } from "@pgscale/core";
import { ensureImage } from "@pgscale/docker";

const root = path.resolve(__dirname, "../..");
const k8sLocal = (...args: string[]) =>
    execFileSync(path.join(root, "scripts/k8s-local"), args, { encoding: "utf8", stdio: ["ignore", "pipe", "inherit"] }).trim();
// The binaries' directory, asked once: a kubectl call must not run scripts/setup-k8s each time.
let bin: string | undefined;
const kubectlBin = () => path.join(bin ??= execFileSync(path.join(root, "scripts/setup-k8s"), { encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] }).trim(), "kubectl");

export interface LocalCluster {
    /** kubectl against the cluster; returns its trimmed stdout. */
    kubectl(...args: string[]): string;
    /** kubectl with `input` on its standard input (`exec -i`: secrets never in arguments). */
    kubectlWithInput(input: string, ...args: string[]): string;
    /** kubectl without blocking the test's event loop, for commands that run side by side. */
    kubectlAsync(...args: string[]): Promise<string>;
    /** The directory holding the cluster's kubectl (for a user's tool that runs `kubectl` from PATH, with KUBECONFIG set). */
    binDir(): string;
}

/** Registers the file's beforeAll/afterAll for the cluster; KUBECONFIG points at it for the stacks. */
export function useLocalCluster(images: string[]): LocalCluster {
    let startedCluster = false;
    let kubeconfig = "";
    beforeAll(async () => {
        // pgscale's own images are built on the engine first, as a stack would (another suite may
        // have removed them: app-repo.test.ts starts from a clean engine).
        const own = images.map((i) => /^pgscale\/([a-z0-9-]+):/.exec(i)?.[1]).filter((n): n is ImageName => (IMAGE_NAMES as readonly string[]).includes(n ?? ""));
        for (const name of own) await ensureImage({ name });
        startedCluster = execFileSync("sh", ["-c", `${path.join(root, "scripts/k8s-local")} status && echo up || true`], { encoding: "utf8" }).trim() !== "up";
        kubeconfig = k8sLocal("start"); // idempotent; also offers released volumes again
        k8sLocal("import", ...images);
        process.env.KUBECONFIG = kubeconfig;
    });
    afterAll(() => {
        if (startedCluster) k8sLocal("stop");
    });
    const kubectlWithInput = (input: string, ...args: string[]) =>
        execFileSync(kubectlBin(), ["--kubeconfig", kubeconfig, ...args], { encoding: "utf8", input }).trim();
    const kubectlAsync = (...args: string[]) => new Promise<string>((resolve, reject) => {
        execFile(kubectlBin(), ["--kubeconfig", kubeconfig, ...args], { encoding: "utf8" }, (err, stdout, stderr) => {
            if (err) reject(Object.assign(err, { stdout, stderr }));
            else resolve(stdout.trim());
        });
    });
    return { kubectl: (...args: string[]) => kubectlWithInput("", ...args), kubectlWithInput, kubectlAsync, binDir: () => path.dirname(kubectlBin()) };
}
