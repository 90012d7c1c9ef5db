import type * as pulumi from "@pulumi/pulumi";
import { PgscaleValidationError, type GrantSpec } from "@pgscale/core";

// Two Grants of one grantee on the same objects of the same server would each take the other's
// privileges for unmanaged ones and revoke them on every `up`. The program declares both, so it is
// refused when the second is constructed. Grantee and connection given as Outputs are compared by
// identity (the same Role's `name`, the same connection Output), plain ones by value.

const ids = new WeakMap<object, number>();
let next = 0;
const identity = (v: pulumi.Input<string>): string => (typeof v === "string" ? `s:${v}` : `o:${ids.get(v as object) ?? (ids.set(v as object, ++next), next)}`);

const declared = new Map<string, { name: string; revokeUnmanaged: boolean }>();

export function claimScope(name: string, spec: GrantSpec, role: pulumi.Input<string>, connection: pulumi.Input<string>): void {
    const where = spec.on === "database" ? spec.database : `${spec.schema}:${(spec.objects ?? ["*"]).slice().sort().join(",")}`;
    const key = [identity(connection), identity(role), spec.on, where].join("|");
    const other = declared.get(key);
    if (other && (other.revokeUnmanaged || spec.revokeUnmanaged)) {
        throw new PgscaleValidationError(`Grant ${name}`, [{
            field: "role",
            message: `Grant ${other.name} already declares this grantee's privileges on the same ${spec.on}; each would revoke the other's as unmanaged: declare them in one Grant, or set revokeUnmanaged: false on both`,
        }]);
    }
    declared.set(key, { name, revokeUnmanaged: spec.revokeUnmanaged });
}
