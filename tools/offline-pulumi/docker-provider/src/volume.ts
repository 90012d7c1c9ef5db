// docker:index/volume:Volume. The id is the volume name. As in the real provider
// (resource_docker_volume.go), create is Docker's VolumeCreate, which hands back an existing volume
// of that name (same driver) with its data: the resource adopts it silently, and its recorded labels,
// driver and options are the live ones. Programs that must not reuse old data check for the name
// themselves before creating the resource. Delete retries while the volume is in use, then fails
// naming the containers that use it.
import Docker from "dockerode";
import { dockerMessage, isNotFound, sleep, statusCode } from "./docker";
import { Props, ResourceHandler, labelsToMap, str, strMap } from "./handler";

/** How long delete retries a volume in use: the real provider's 30 s (its tests shorten it). */
export const volumeInUse = { retryMs: 30_000 };

/** The real provider's Read: name, labels, driver, options and mountpoint as Docker reports them. */
function outputs(i: Props, info: Docker.VolumeInspectInfo): Props {
    const labels = Object.entries(info.Labels ?? {}).map(([label, value]) => ({ label, value }));
    const opts = (info as { Options?: Record<string, string> | null }).Options ?? {};
    return {
        ...i,
        name: info.Name,
        driver: info.Driver,
        labels: labels.length || i.labels !== undefined ? labels : undefined,
        driverOpts: Object.keys(opts).length || i.driverOpts !== undefined ? opts : undefined,
        mountpoint: info.Mountpoint,
    };
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
        // A container removed just before may still be releasing the volume: retry for 30 s, as
        // the real provider does (volumeReadRefreshTimeout).
        const deadline = Date.now() + volumeInUse.retryMs;
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
                await sleep(1000);
            }
        }
    },
};
