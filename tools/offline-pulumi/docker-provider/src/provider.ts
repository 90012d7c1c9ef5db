// The resource provider served by @pulumi/pulumi's provider server: routes each call by type
// token, keeps secrets wrapped on the way out, and redacts secret values from error messages.
import Docker from "dockerode";
import * as pulumi from "@pulumi/pulumi/provider";
import { checkResource } from "./check";
import { container } from "./container";
import { diffResource } from "./diff";
import { dockerClient, resolveHost } from "./docker";
import { ResourceHandler } from "./handler";
import { image } from "./image";
import { network } from "./network";
import { parseUrn, reapplySecrets, redact, secretStrings, stripUndefined, unwrapRecord } from "./properties";
import { remoteImage } from "./remote-image";
import { CONTAINER, IMAGE, NETWORK, REMOTE_IMAGE, ResourceSpec, specFor, VOLUME } from "./schema";
import { volume } from "./volume";

/** The real provider's version: programs pin `@pulumi/docker` 4.11.2, so the engine asks for it. */
export const PROVIDER_VERSION = "4.11.2";

const HANDLERS: Record<string, ResourceHandler> = {
    [CONTAINER]: container,
    [NETWORK]: network,
    [VOLUME]: volume,
    [REMOTE_IMAGE]: remoteImage,
    [IMAGE]: image,
};

type Props = Record<string, unknown>;

export interface ProviderConfig {
    /** `docker:host`; unset means DOCKER_HOST or the local socket. */
    host?: string;
}

export class DockerStandinProvider implements pulumi.Provider {
    readonly version = PROVIDER_VERSION;
    private config: ProviderConfig = {};
    private client?: Docker;

    configure(config: ProviderConfig): void {
        this.config = config;
        this.client = undefined;
    }

    /** The engine address the client talks to (for messages and tests). */
    get host(): string {
        return resolveHost(this.config.host);
    }

    private docker(): Docker {
        return (this.client ??= dockerClient(this.host));
    }

    async check(urn: string, olds: Props, news: Props): Promise<pulumi.CheckResult> {
        return checkResource(urn, olds ?? {}, news ?? {});
    }

    async diff(_id: string, urn: string, olds: Props, news: Props): Promise<pulumi.DiffResult> {
        const { changes, replaces, deleteBeforeReplace } = diffResource(specOf(urn), olds ?? {}, news ?? {});
        return { changes, replaces, deleteBeforeReplace };
    }

    async create(urn: string, inputs: Props): Promise<pulumi.CreateResult> {
        const spec = specOf(urn);
        return guard(inputs, async (ctx) => {
            const { id, outs } = await handlerOf(urn).create(this.docker(), unwrapRecord(inputs), ctx);
            return { id, outs: finish(spec, inputs, outs) };
        });
    }

    async read(id: string, urn: string, props?: Props): Promise<pulumi.ReadResult> {
        const spec = specOf(urn);
        return guard(props ?? {}, async (ctx) => {
            const found = await handlerOf(urn).read(this.docker(), id, unwrapRecord(props), ctx);
            // An empty id tells the engine the object is gone.
            return found ? { id: found.id, props: finish(spec, props ?? {}, found.props) } : { id: "", props: {} };
        });
    }

    async update(id: string, urn: string, olds: Props, news: Props): Promise<pulumi.UpdateResult> {
        const spec = specOf(urn);
        return guard(news, async (ctx) => {
            const outs = await handlerOf(urn).update(this.docker(), id, unwrapRecord(olds), unwrapRecord(news), ctx);
            return { outs: finish(spec, news, outs) };
        });
    }

    async delete(id: string, urn: string, props: Props): Promise<void> {
        return guard(props ?? {}, (ctx) => handlerOf(urn).delete(this.docker(), id, unwrapRecord(props), ctx));
    }
}

function specOf(urn: string): ResourceSpec {
    return specFor(parseUrn(urn).type);
}

function handlerOf(urn: string): ResourceHandler {
    return HANDLERS[specOf(urn).token];
}

/** Outputs carry the real provider's defaults for unset inputs and the inputs' secretness. */
function finish(spec: ResourceSpec, template: Props, outs: Props): Props {
    const withDefaults: Props = { ...outs };
    for (const [k, f] of Object.entries(spec.fields)) {
        if ((withDefaults[k] === undefined || withDefaults[k] === null) && f.default !== undefined) {
            withDefaults[k] = f.default;
        }
    }
    return stripUndefined(reapplySecrets(template, withDefaults) as Props);
}

/** Runs an operation so that no secret input value can leave it inside an error message. */
async function guard<T>(inputs: Props, op: (ctx: { secrets: string[] }) => Promise<T>): Promise<T> {
    const secrets = secretStrings(inputs);
    try {
        return await op({ secrets });
    } catch (err) {
        const e = err instanceof Error ? err : new Error(String(err));
        const safe = new Error(redact(e.message, secrets));
        safe.stack = `Error: ${safe.message}`; // the server prints stacks; keep them value-free too
        throw safe;
    }
}
