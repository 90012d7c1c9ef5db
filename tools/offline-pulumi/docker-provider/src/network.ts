// docker:index/network:Network. Every input forces replacement (as in the real provider), so there
// is no in-place update.
import Docker from "dockerode";
import { dockerMessage, isNotFound, sleep } from "./docker";
import { Props, ResourceHandler, bool, labelsToMap, list, str, strMap } from "./handler";

interface IpamInput {
    subnet?: string;
    gateway?: string;
    ipRange?: string;
    auxAddress?: Record<string, string>;
}

function outputs(i: Props, info: Docker.NetworkInspectInfo): Props {
    const ipam = (info.IPAM?.Config ?? []) as Array<Record<string, unknown>>;
    return {
        ...i,
        name: info.Name,
        driver: i.driver ?? info.Driver,
        internal: i.internal ?? info.Internal,
        attachable: i.attachable ?? info.Attachable,
        ipv6: i.ipv6 ?? info.EnableIPv6,
        options: i.options ?? info.Options ?? {},
        ipamDriver: i.ipamDriver ?? info.IPAM?.Driver ?? "default",
        // Unset: whatever subnet Docker allocated.
        ipamConfigs:
            i.ipamConfigs ??
            ipam.map((c) => ({
                subnet: c.Subnet,
                gateway: c.Gateway,
                ipRange: c.IPRange,
                auxAddress: c.AuxiliaryAddresses ?? undefined,
            })),
        scope: info.Scope,
    };
}

async function inspectOrUndefined(docker: Docker, id: string): Promise<Docker.NetworkInspectInfo | undefined> {
    try {
        return await docker.getNetwork(id).inspect();
    } catch (err) {
        if (isNotFound(err)) {
            return undefined;
        }
        throw new Error(`unable to inspect network ${id}: ${dockerMessage(err)}`);
    }
}

export const network: ResourceHandler = {
    async create(docker, inputs) {
        const name = str(inputs.name)!;
        let created: Docker.Network;
        try {
            created = await docker.createNetwork({
                Name: name,
                CheckDuplicate: true, // Docker otherwise allows two networks with one name
                Driver: str(inputs.driver) ?? "bridge",
                Internal: bool(inputs.internal) ?? false,
                Attachable: bool(inputs.attachable) ?? false,
                EnableIPv6: bool(inputs.ipv6) ?? false,
                Labels: labelsToMap(inputs.labels),
                Options: strMap(inputs.options),
                IPAM: {
                    Driver: str(inputs.ipamDriver) ?? "default",
                    Config: list<IpamInput>(inputs.ipamConfigs).map((c) => ({
                        Subnet: c.subnet,
                        Gateway: c.gateway,
                        IPRange: c.ipRange,
                        AuxiliaryAddresses: c.auxAddress,
                    })),
                },
            } as Docker.NetworkCreateOptions);
        } catch (err) {
            throw new Error(`unable to create network ${name}: ${dockerMessage(err)}`);
        }
        const info = await created.inspect();
        return { id: info.Id, outs: outputs(inputs, info) };
    },

    async read(docker, id, props) {
        const info = await inspectOrUndefined(docker, id);
        return info && { id: info.Id, props: outputs(props, info) };
    },

    async update() {
        throw new Error("internal error: every Network change replaces the network");
    },

    async delete(docker, id) {
        // Containers on the network are deleted first by the engine, but their endpoints can take a
        // moment to go away: retry briefly before giving up.
        const deadline = Date.now() + 15_000;
        for (;;) {
            try {
                await docker.getNetwork(id).remove();
                return;
            } catch (err) {
                if (isNotFound(err)) {
                    return;
                }
                if (Date.now() >= deadline || !/active endpoints/i.test(dockerMessage(err))) {
                    const info = await inspectOrUndefined(docker, id);
                    const users = Object.values(info?.Containers ?? {}).map((c) => c.Name);
                    const who = users.length ? ` (attached: ${users.join(", ")})` : "";
                    throw new Error(`unable to remove network ${info?.Name ?? id}: ${dockerMessage(err)}${who}`);
                }
                await sleep(500);
            }
        }
    },
};
