import * as pulumi from "@pulumi/pulumi";
import { settledCount } from "../../../test/support/bad-input";
import { kubernetesMockResource } from "../../../test/support/kubernetes-mocks";

// examples/kubernetes under Pulumi mocks: the demo stack composes with the Kubernetes import.
const registered: Array<{ type: string; name: string; inputs: any }> = [];
pulumi.runtime.setMocks(
    {
        newResource(args) {
            registered.push({ type: args.type, name: args.name, inputs: args.inputs });
            return kubernetesMockResource(args);
        },
        call: (args) => args.inputs,
    },
    "pgscale-kubernetes",
    "unit",
);

// As in constructs.test.ts: the dynamic resources cannot be serialized under jest.
jest.mock("@pgscale/postgres", () => require("../../../test/support/postgres-stubs"));

const unwrap = <T>(o: pulumi.Output<T>): Promise<T> => new Promise((resolve) => o.apply(resolve));

it("builds the demo stack in one namespace and exports in-cluster URIs", async () => {
    const stack = await import("../../../examples/kubernetes/index");
    expect(await unwrap(stack.primaryUri)).toBe("postgresql://app:pw-main-owner-password@lb.pgscale-demo.svc.cluster.local:5000/appdb?sslmode=require");
    expect(await unwrap(stack.poolerUri)).toBe("postgresql://app:pw-main-owner-password@pool.pgscale-demo.svc.cluster.local:6432/appdb?sslmode=require");
    expect(await unwrap(stack.servicePrimaryUri)).toBe("postgresql://app:pw-main-owner-password@main-primary.pgscale-demo.svc.cluster.local:5432/appdb?sslmode=require");
    expect(stack.portForward.primary).toBe("kubectl -n pgscale-demo port-forward svc/main-primary 5432:5432");
    await settledCount(registered);
    const count = (t: string) => registered.filter((r) => r.type === t).length;
    expect(count("kubernetes:core/v1:Namespace")).toBe(1);
    expect(count("kubernetes:apps/v1:StatefulSet")).toBe(2);
    expect(count("kubernetes:apps/v1:Deployment")).toBe(2);
    // Without `tableVia` the table, whose provider runs outside the cluster, is left out.
    expect(count("pgscale:index:PartitionedTable")).toBe(0);
});
