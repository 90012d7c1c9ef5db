// Reads the cluster address and credentials from a kubeconfig, as the real provider does:
// `kubernetes:kubeconfig` (a path or the document itself), else $KUBECONFIG, else ~/.kube/config;
// `kubernetes:context`, else the current context.
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import YAML from "yaml";

export interface ClusterAccess {
    server: string;
    ca?: Buffer;
    cert?: Buffer;
    key?: Buffer;
    token?: string;
    insecure: boolean;
    /** The context's namespace, the default for namespaced objects without one. */
    namespace?: string;
}

type Obj = Record<string, unknown>;
const asObj = (v: unknown): Obj => (typeof v === "object" && v !== null ? (v as Obj) : {});
const named = (list: unknown, name: string | undefined, what: string): Obj => {
    const found = (Array.isArray(list) ? list : []).map(asObj).find((e) => e.name === name);
    if (!found) {
        throw new Error(`kubeconfig: ${what} ${JSON.stringify(name)} not found`);
    }
    return found;
};

function material(entry: Obj, dataKey: string, fileKey: string, baseDir: string): Buffer | undefined {
    if (typeof entry[dataKey] === "string") {
        return Buffer.from(entry[dataKey] as string, "base64");
    }
    if (typeof entry[fileKey] === "string") {
        return fs.readFileSync(path.resolve(baseDir, entry[fileKey] as string));
    }
    return undefined;
}

export function loadKubeconfig(kubeconfig?: string, context?: string): ClusterAccess {
    let text: string;
    let baseDir = process.cwd();
    if (kubeconfig && /[\n{]/.test(kubeconfig)) {
        text = kubeconfig;
    } else {
        const file = kubeconfig || (process.env.KUBECONFIG ?? "").split(":").find((p) => p) || path.join(os.homedir(), ".kube", "config");
        text = fs.readFileSync(file, "utf8");
        baseDir = path.dirname(file);
    }
    const doc = asObj(YAML.parse(text));
    const ctxName = context || (doc["current-context"] as string | undefined);
    const ctx = asObj(named(doc.contexts, ctxName, "context").context);
    const cluster = asObj(named(doc.clusters, ctx.cluster as string, "cluster").cluster);
    const user = ctx.user ? asObj(named(doc.users, ctx.user as string, "user").user) : {};
    if (typeof cluster.server !== "string") {
        throw new Error(`kubeconfig: cluster ${JSON.stringify(ctx.cluster)} has no server`);
    }
    const tokenFile = typeof user.tokenFile === "string" ? fs.readFileSync(path.resolve(baseDir, user.tokenFile), "utf8").trim() : undefined;
    return {
        server: cluster.server.replace(/\/+$/, ""),
        ca: material(cluster, "certificate-authority-data", "certificate-authority", baseDir),
        cert: material(user, "client-certificate-data", "client-certificate", baseDir),
        key: material(user, "client-key-data", "client-key", baseDir),
        token: typeof user.token === "string" ? user.token : tokenFile,
        insecure: cluster["insecure-skip-tls-verify"] === true,
        namespace: typeof ctx.namespace === "string" ? ctx.namespace : undefined,
    };
}
