import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { loadKubeconfig } from "./kubeconfig";
import { kindForToken, resourcePath } from "./kinds";

const doc = (server: string) => `apiVersion: v1
kind: Config
clusters:
- name: a
  cluster: { server: "${server}/", certificate-authority-data: ${Buffer.from("CA").toString("base64")} }
- name: b
  cluster: { server: https://b:6443, certificate-authority: ca.pem }
users:
- name: u
  user: { client-certificate-data: ${Buffer.from("CERT").toString("base64")}, client-key-data: ${Buffer.from("KEY").toString("base64")} }
- name: t
  user: { token: tok }
contexts:
- { name: one, context: { cluster: a, user: u, namespace: db } }
- { name: two, context: { cluster: b, user: t } }
current-context: one
`;

describe("loadKubeconfig", () => {
    it("reads the current context from the document itself", () => {
        const a = loadKubeconfig(doc("https://a:6443"));
        expect(a).toMatchObject({ server: "https://a:6443", token: undefined, insecure: false, namespace: "db" });
        expect([a.ca?.toString(), a.cert?.toString(), a.key?.toString()]).toEqual(["CA", "CERT", "KEY"]);
    });
    it("reads a named context from a file, resolving files beside it", () => {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "kubeconfig-"));
        fs.writeFileSync(path.join(dir, "config"), doc("https://a:6443"));
        fs.writeFileSync(path.join(dir, "ca.pem"), "PEM");
        const b = loadKubeconfig(path.join(dir, "config"), "two");
        expect(b).toMatchObject({ server: "https://b:6443", token: "tok", namespace: undefined });
        expect(b.ca?.toString()).toBe("PEM");
        fs.rmSync(dir, { recursive: true });
    });
    it("names what is missing", () => {
        expect(() => loadKubeconfig(doc("https://a:6443"), "three")).toThrow('kubeconfig: context "three" not found');
    });
});

describe("kinds", () => {
    it("maps type tokens to REST paths", () => {
        expect(resourcePath(kindForToken("kubernetes:core/v1:Namespace"), undefined, "db")).toBe("/api/v1/namespaces/db");
        expect(resourcePath(kindForToken("kubernetes:apps/v1:StatefulSet"), "db", "main")).toBe("/apis/apps/v1/namespaces/db/statefulsets/main");
        expect(resourcePath(kindForToken("kubernetes:rbac.authorization.k8s.io/v1:Role"), "db")).toBe("/apis/rbac.authorization.k8s.io/v1/namespaces/db/roles");
        expect(resourcePath(kindForToken("kubernetes:networking.k8s.io/v1:NetworkPolicy"), "db", "main-members"))
            .toBe("/apis/networking.k8s.io/v1/namespaces/db/networkpolicies/main-members");
        expect(() => kindForToken("kubernetes:networking.k8s.io/v1:Ingress")).toThrow(/not supported by the offline pulumi-resource-kubernetes stand-in/);
    });
});
