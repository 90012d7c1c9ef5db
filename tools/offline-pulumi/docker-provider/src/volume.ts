// docker:index/volume:Volume. The id is the volume name. Create refuses an existing name (Docker
// would silently hand back the existing volume, and a later delete of either resource would destroy
// the other's data); delete refuses a volume that containers still use.
import Docker from "dockerode";
import { dockerMessage, isNotFound, sleep, statusCode } from "./docker";
import { Props, ResourceHandler, labelsToMap, str, strMap } from "./handler";

function outputs(i: Props, info: Docker.VolumeInspectInfo): Props {
    return { ...i, name: info.Name, driver: i.driver ?? info.Driver, mountpoint: info.Mountpoint };
}

async function inspectOrUndefined(docker: Docker, name: string): Promise<Docker.VolumeInspectInfo | undefined> {
    try {
        return await docker.getVolume(name).inspect();
    } catch (err) {
        if (isNotFound(err)) {
            return undefined;
        }
        throw new Error(`unable to inspect volume ${name}: ${dockerMessage(err)}`);
    }
}

async function usersOf(docker: Docker, name: string): Promise<string[]> {
    const containers = await docker.listContainers({ all: true, filters: { volume: [name] } });
    return containers.map((c) => (c.Names[0] ?? c.Id).replace(/^\//, ""));
}

export const volume: ResourceHandler = {
    async create(docker, inputs) {
        const name = str(inputs.name)!;
        if (await inspectOrUndefined(docker, name)) {
            throw new Error(
                `volume ${name} already exists on the Docker host; remove it, or import it into the stack, ` +
                    "instead of creating it again",
            );
        }
        try {
            await docker.createVolume({
                Name: name,
                Driver: str(inputs.driver) ?? "local",
                DriverOpts: strMap(inputs.driverOpts) ?? {},
                Labels: labelsToMap(inputs.labels) ?? {},
            });
        } catch (err) {
            throw new Error(`unable to create volume ${name}: ${dockerMessage(err)}`);
        }
        const info = await docker.getVolume(name).inspect();
        return { id: info.Name, outs: outputs(inputs, info) };
    },

    async read(docker, id, props) {
        const info = await inspectOrUndefined(docker, id);
        return info && { id: info.Name, props: outputs(props, info) };
    },

    async update() {
        throw new Error("internal error: every Volume change replaces the volume");
    },

    async delete(docker, id) {
        // A container removed just before may still be releasing the volume: retry briefly.
        const deadline = Date.now() + 5_000;
        for (;;) {
            try {
                await docker.getVolume(id).remove();
                return;
            } catch (err) {
                if (isNotFound(err)) {
                    return;
                }
                if (statusCode(err) !== 409 || Date.now() >= deadline) {
                    const users = statusCode(err) === 409 ? await usersOf(docker, id) : [];
                    const who = users.length ? ` by container(s) ${users.join(", ")}` : "";
                    throw new Error(
                        statusCode(err) === 409
                            ? `refusing to remove volume ${id}: it is in use${who}; remove those containers first`
                            : `unable to remove volume ${id}: ${dockerMessage(err)}`,
                    );
                }
                await sleep(500);
            }
        }
    },
};
