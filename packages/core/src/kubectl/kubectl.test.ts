import { kubectlArgs, kubectlExecArgs, kubectlOutcome } from "./kubectl";

// kubectl's arguments and the reading of its answers. The transport itself runs against a kubectl
// stand-in in packages/cli/src/backup/kubectl.test.ts and with the real kubectl in test/e2e/kubernetes.test.ts.

describe("kubectl", () => {
    it("puts the kubeconfig, context and namespace before the command", () => {
        expect(kubectlArgs({ kubeconfig: "/k/config", context: "prod", namespace: "db" }, ["get", "pod", "main-0"]))
            .toEqual(["--kubeconfig", "/k/config", "--context", "prod", "--namespace", "db", "get", "pod", "main-0"]);
    });

    it("runs the command in the member's patroni container, in the namespace and context given", () => {
        expect(kubectlExecArgs({ namespace: "db", context: "prod" }, "main-0", ["cat", "/etc/pgscale/backup.json"]))
            .toEqual(["--context", "prod", "--namespace", "db", "exec", "main-0", "--container", "patroni", "--", "cat", "/etc/pgscale/backup.json"]);
        expect(kubectlExecArgs({}, "main-0", ["true"])).toEqual(["exec", "main-0", "--container", "patroni", "--", "true"]);
    });

    it("gives the command's own status, and throws kubectl's own failures", () => {
        expect(kubectlOutcome(0, "ok\n", "")).toEqual({ exitCode: 0, stdout: "ok\n", stderr: "" });
        expect(kubectlOutcome(56, "", "ERROR: [056]: unable to find primary cluster\ncommand terminated with exit code 56\n"))
            .toEqual({ exitCode: 56, stdout: "", stderr: "ERROR: [056]: unable to find primary cluster" });
        expect(() => kubectlOutcome(1, "", 'Error from server (NotFound): pods "main-9" not found\n')).toThrow('Error from server (NotFound): pods "main-9" not found');
        expect(() => kubectlOutcome(1, "", "error: context \"prod\" does not exist\n")).toThrow(/^context "prod" does not exist$/);
    });
});
