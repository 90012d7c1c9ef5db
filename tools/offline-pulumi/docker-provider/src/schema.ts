// The subset of @pulumi/docker 4.11.2 this stand-in implements, described once and used by check
// (validation), diff (what replaces, what updates in place) and the resource handlers.
// Property names and tokens are exactly those of the real SDK; anything not listed here is
// rejected in check, so a program never silently loses a setting it relies on.
import { CheckFailure } from "@pulumi/pulumi/provider";
import { isObject, isSecret, UNKNOWN } from "./properties";

export type Type =
    | { kind: "string"; oneOf?: readonly string[]; pattern?: RegExp; hint?: string }
    | { kind: "int"; min?: number; max?: number }
    | { kind: "bool" }
    | { kind: "list"; of: Type; set?: boolean }
    | { kind: "map" }
    | { kind: "object"; fields: Fields };

/**
 * What a change to a top-level property does: `replace` recreates the resource (the real provider's
 * ForceNew), `update` is applied to the live object, `state` is only recorded: either it steers
 * later operations (how delete or refresh act) or, as with `healthcheck`, the real provider's
 * Update ignores it and the live object keeps the old value until it is next replaced.
 */
export type Change = "replace" | "update" | "state";

export interface Field {
    type: Type;
    required?: boolean;
    /** The value the real provider assumes when the property is unset (so unset == default in diff). */
    default?: unknown;
    /** Optional+computed: leaving it unset keeps whatever the resource has, so it never causes a diff. */
    computed?: boolean;
    /** Top-level only; defaults to `replace` (be conservative). */
    change?: Change;
    /** Written by check itself (never by programs); accepted back from old inputs. */
    internal?: boolean;
}
export type Fields = Record<string, Field>;

export interface ResourceSpec {
    token: string;
    fields: Fields;
    /** Pulumi autonaming (`<urn name>-<7 hex>`), as the real provider does for these resources. */
    autoName?: boolean;
    /** Docker names are unique: a replacement can only be created once the old one is gone. */
    deleteBeforeReplace?: boolean;
    /** Cross-field rules on plain values (which may still be ill-typed: validators must tolerate that). */
    validate?: (inputs: Record<string, unknown>) => CheckFailure[];
}

const str: Type = { kind: "string" };
const bool: Type = { kind: "bool" };
const map: Type = { kind: "map" };
const strList: Type = { kind: "list", of: str };
const strSet: Type = { kind: "list", of: str, set: true };
const opt = (type: Type, extra: Partial<Field> = {}): Field => ({ type, ...extra });
const req = (type: Type, extra: Partial<Field> = {}): Field => ({ type, required: true, ...extra });
const obj = (fields: Fields): Type => ({ kind: "object", fields });
const setOf = (fields: Fields): Type => ({ kind: "list", set: true, of: obj(fields) });
const labelSet = setOf({ label: req(str), value: req(str) });

/** Go duration as the real provider parses healthcheck times: `1m30s`, `500ms`, `0s`. */
export const GO_DURATION = /^(0|([0-9]+(\.[0-9]+)?(ns|us|µs|ms|s|m|h))+)$/;
const duration: Type = { kind: "string", pattern: GO_DURATION, hint: "a duration such as 10s, 500ms or 1m30s" };

export const CONTAINER = "docker:index/container:Container";
export const NETWORK = "docker:index/network:Network";
export const VOLUME = "docker:index/volume:Volume";
export const REMOTE_IMAGE = "docker:index/remoteImage:RemoteImage";
export const IMAGE = "docker:index/image:Image";

const containerSpec: ResourceSpec = {
    token: CONTAINER,
    autoName: true,
    deleteBeforeReplace: true, // as the real provider's resource info says
    fields: {
        image: req(str),
        name: opt(str),
        command: opt(strList, { computed: true }),
        entrypoints: opt(strList, { computed: true }),
        // Computed upstream: leaving them unset keeps what the container has.
        envs: opt(strSet, { computed: true }),
        user: opt(str, { computed: true }),
        hostname: opt(str, { computed: true }),
        workingDir: opt(str, { computed: true }),
        ports: opt({
            kind: "list",
            of: obj({
                internal: req({ kind: "int", min: 1, max: 65535 }),
                // Unset: Docker picks a free port; the picked one is reported in the outputs.
                external: opt({ kind: "int", min: 1, max: 65535 }, { computed: true }),
                ip: opt(str, { default: "0.0.0.0" }),
                protocol: opt({ kind: "string", oneOf: ["tcp", "udp", "sctp"] }, { default: "tcp" }),
            }),
        }),
        uploads: opt(
            setOf({
                file: req(str),
                content: opt(str),
                contentBase64: opt({ kind: "string", pattern: /^[A-Za-z0-9+/]*={0,2}$/, hint: "base64" }),
                source: opt(str),
                sourceHash: opt(str),
                executable: opt(bool, { default: false }),
                permissions: opt({ kind: "string", pattern: /^0[0-7]{3}$/, hint: "an octal mode such as 0644" }),
            }),
        ),
        networksAdvanced: opt(
            setOf({ name: req(str), aliases: opt(strSet), ipv4Address: opt(str), ipv6Address: opt(str) }),
        ),
        networkMode: opt(str, { computed: true }),
        volumes: opt(
            setOf({
                volumeName: opt(str),
                hostPath: opt(str),
                containerPath: opt(str),
                fromContainer: opt(str),
                readOnly: opt(bool, { default: false }),
            }),
        ),
        mounts: opt(
            setOf({
                type: req({ kind: "string", oneOf: ["bind", "volume", "tmpfs"] }),
                target: req(str),
                source: opt(str),
                readOnly: opt(bool, { default: false }),
                bindOptions: opt(
                    obj({
                        propagation: opt({
                            kind: "string",
                            oneOf: ["private", "rprivate", "shared", "rshared", "slave", "rslave"],
                        }),
                    }),
                ),
                volumeOptions: opt(
                    obj({ noCopy: opt(bool), labels: opt(labelSet), driverName: opt(str), driverOptions: opt(map) }),
                ),
                tmpfsOptions: opt(obj({ sizeBytes: opt({ kind: "int", min: 0 }), mode: opt({ kind: "int", min: 0 }) })),
            }),
        ),
        labels: opt(labelSet, { computed: true }),
        restart: opt(
            { kind: "string", oneOf: ["no", "on-failure", "always", "unless-stopped"] },
            { default: "no", change: "update" },
        ),
        maxRetryCount: opt({ kind: "int", min: 0 }, { default: 0, change: "update" }),
        memory: opt({ kind: "int", min: 0 }, { default: 0, change: "update" }), // 0: no limit
        memorySwap: opt({ kind: "int", min: -1 }, { change: "update" }),
        // Not ForceNew upstream, and its Update applies only restart, max_retry_count, memory,
        // memory_swap (and CPU settings): a healthcheck/init/tmpfs change updates the recorded
        // state while the running container keeps the old value.
        healthcheck: opt(
            obj({
                tests: req(strList),
                interval: opt(duration, { default: "0s" }),
                timeout: opt(duration, { default: "0s" }),
                startPeriod: opt(duration, { default: "0s" }),
                // Docker 20.10 (API 1.41) has no start interval; only the "unset" value is accepted.
                startInterval: opt({ kind: "string", oneOf: ["0s"] }, { default: "0s" }),
                retries: opt({ kind: "int", min: 0 }, { default: 0 }),
            }),
            { computed: true, change: "state" },
        ),
        wait: opt(bool, { default: false, change: "state" }),
        waitTimeout: opt({ kind: "int", min: 1 }, { default: 60, change: "state" }),
        mustRun: opt(bool, { default: true, change: "state" }),
        removeVolumes: opt(bool, { default: true, change: "state" }),
        destroyGraceSeconds: opt({ kind: "int", min: 0 }, { change: "state" }),
        stopSignal: opt(str, { computed: true }),
        stopTimeout: opt({ kind: "int", min: 0 }, { computed: true }),
        shmSize: opt({ kind: "int", min: 0 }, { computed: true }),
        tmpfs: opt(map, { change: "state" }),
        capabilities: opt(obj({ adds: opt(strSet), drops: opt(strSet) })),
        init: opt(bool, { computed: true, change: "state" }),
        logDriver: opt(str, { computed: true }),
        logOpts: opt(map),
        privileged: opt(bool, { default: false }),
        readOnly: opt(bool, { default: false }),
        hosts: opt(setOf({ host: req(str), ip: req(str) })),
        // resolv.conf options (`timeout:1`, ...); the real provider replaces the container for them too.
        dnsOpts: opt(strSet),
        // Supplementary groups of the container's user (`group_add`, a ForceNew set upstream).
        groupAdds: opt(strSet),
    },
    validate: validateContainer,
};

function validateContainer(inputs: Record<string, unknown>): CheckFailure[] {
    const failures: CheckFailure[] = [];
    const uploads = Array.isArray(inputs.uploads) ? inputs.uploads : [];
    uploads.forEach((u, i) => {
        if (!isObject(u)) {
            return;
        }
        const sources = ["content", "contentBase64", "source"].filter((k) => u[k] !== undefined && u[k] !== null);
        if (sources.length !== 1) {
            failures.push({
                property: `uploads[${i}]`,
                reason: "exactly one of `content`, `contentBase64` or `source` must be set",
            });
        }
    });
    const volumes = Array.isArray(inputs.volumes) ? inputs.volumes : [];
    volumes.forEach((v, i) => {
        if (isObject(v) && v.fromContainer === undefined && v.containerPath === undefined) {
            failures.push({ property: `volumes[${i}].containerPath`, reason: "required unless `fromContainer` is set" });
        }
        if (isObject(v) && v.volumeName !== undefined && v.hostPath !== undefined) {
            failures.push({ property: `volumes[${i}]`, reason: "`volumeName` and `hostPath` are mutually exclusive" });
        }
    });
    const mounts = Array.isArray(inputs.mounts) ? inputs.mounts : [];
    mounts.forEach((m, i) => {
        if (!isObject(m)) {
            return;
        }
        for (const [opts, type] of [
            ["bindOptions", "bind"],
            ["volumeOptions", "volume"],
            ["tmpfsOptions", "tmpfs"],
        ]) {
            if (m[opts] !== undefined && m.type !== type) {
                failures.push({ property: `mounts[${i}].${opts}`, reason: `only valid for mounts of type ${type}` });
            }
        }
        if (m.type !== "tmpfs" && (m.source === undefined || m.source === "")) {
            failures.push({ property: `mounts[${i}].source`, reason: `required for mounts of type ${m.type}` });
        }
    });
    const nets = Array.isArray(inputs.networksAdvanced) ? inputs.networksAdvanced : [];
    if (nets.length > 0 && inputs.networkMode !== undefined && inputs.networkMode !== "bridge") {
        failures.push({
            property: "networkMode",
            reason: "cannot be combined with `networksAdvanced` (the container joins exactly those networks)",
        });
    }
    if (Array.isArray(inputs.command) && inputs.command.some((c) => c === "")) {
        failures.push({ property: "command", reason: "values for command may not be empty" });
    }
    if (inputs.wait === true && inputs.mustRun === false) {
        failures.push({ property: "wait", reason: "waiting for health needs a running container (`mustRun` is false)" });
    }
    return failures;
}

const networkSpec: ResourceSpec = {
    token: NETWORK,
    autoName: true,
    deleteBeforeReplace: true,
    fields: {
        name: opt(str),
        driver: opt(str, { computed: true }),
        internal: opt(bool, { computed: true }),
        attachable: opt(bool, { default: false }),
        ipv6: opt(bool, { default: false }),
        labels: opt(labelSet),
        options: opt(map, { computed: true }),
        ipamDriver: opt(str, { default: "default" }),
        ipamConfigs: opt(
            setOf({ subnet: opt(str), gateway: opt(str), ipRange: opt(str), auxAddress: opt(map) }),
            { computed: true },
        ),
    },
};

const volumeSpec: ResourceSpec = {
    token: VOLUME,
    autoName: true,
    deleteBeforeReplace: true,
    fields: {
        name: opt(str),
        driver: opt(str, { computed: true }),
        driverOpts: opt(map),
        labels: opt(labelSet),
    },
};

const remoteImageSpec: ResourceSpec = {
    token: REMOTE_IMAGE,
    fields: {
        name: req(str),
        keepLocally: opt(bool, { default: false, change: "state" }),
        forceRemove: opt(bool, { default: false, change: "state" }),
        pullTriggers: opt(strSet),
        triggers: opt(map),
    },
};

const imageSpec: ResourceSpec = {
    token: IMAGE,
    fields: {
        // The resource id is the image name, so renaming is a new resource.
        imageName: req(str),
        // The real provider rebuilds in place (Update) on any other change.
        skipPush: opt(bool, { change: "update" }),
        buildOnPreview: opt(bool, { change: "state" }),
        build: opt(
            obj({
                context: opt(str, { default: "." }),
                dockerfile: opt(str),
                args: opt(map),
                target: opt(str),
                builderVersion: opt({ kind: "string", oneOf: ["BuilderV1", "BuilderBuildKit"] }),
                contextDigest: opt(str, { internal: true }),
            }),
            { change: "update" },
        ),
    },
    validate: (inputs) => {
        const failures: CheckFailure[] = [];
        if (inputs.skipPush !== true && inputs.skipPush !== UNKNOWN) {
            failures.push({
                property: "skipPush",
                reason: "the offline stand-in never pushes images; set `skipPush: true`",
            });
        }
        if (inputs.buildOnPreview === true) {
            failures.push({ property: "buildOnPreview", reason: "building during preview is not supported offline" });
        }
        return failures;
    },
};

export const SPECS: Record<string, ResourceSpec> = {
    [CONTAINER]: containerSpec,
    [NETWORK]: networkSpec,
    [VOLUME]: volumeSpec,
    [REMOTE_IMAGE]: remoteImageSpec,
    [IMAGE]: imageSpec,
};

export function specFor(token: string): ResourceSpec {
    const spec = SPECS[token];
    if (!spec) {
        throw new Error(
            `resource type ${token} is not supported by the offline pulumi-resource-docker stand-in ` +
                `(supported: ${Object.keys(SPECS).join(", ")})`,
        );
    }
    return spec;
}

/** Validates program inputs against a resource spec; values may be secrets or unknown. */
export function validateInputs(spec: ResourceSpec, inputs: Record<string, unknown>): CheckFailure[] {
    const failures: CheckFailure[] = [];
    validateFields("", inputs, spec.fields, failures, true);
    return failures;
}

function validateFields(
    prefix: string,
    value: Record<string, unknown>,
    fields: Fields,
    failures: CheckFailure[],
    topLevel: boolean,
): void {
    for (const [key, v] of Object.entries(value)) {
        // Engine-internal bookkeeping keys (e.g. `__defaults`) are not program settings.
        if (topLevel && key.startsWith("__")) {
            continue;
        }
        const path = prefix ? `${prefix}.${key}` : key;
        const field = fields[key];
        if (!field) {
            failures.push({
                property: path,
                reason:
                    `\`${key}\` is not supported by the offline pulumi-resource-docker stand-in ` +
                    `(supported here: ${Object.keys(fields)
                        .filter((k) => !fields[k].internal)
                        .join(", ")})`,
            });
            continue;
        }
        if (v !== undefined && v !== null) {
            validateValue(path, v, field.type, failures);
        }
    }
    for (const [key, field] of Object.entries(fields)) {
        if (field.required && (value[key] === undefined || value[key] === null)) {
            failures.push({ property: prefix ? `${prefix}.${key}` : key, reason: "required property is missing" });
        }
    }
}

function validateValue(path: string, v: unknown, type: Type, failures: CheckFailure[]): void {
    if (v === UNKNOWN) {
        return; // known only at update time; checked again then
    }
    if (isSecret(v)) {
        validateValue(path, v.value, type, failures);
        return;
    }
    const fail = (reason: string): void => {
        failures.push({ property: path, reason });
    };
    switch (type.kind) {
        case "string":
            if (typeof v !== "string") {
                return fail(`expected a string, got ${describe(v)}`);
            }
            if (type.oneOf && !type.oneOf.includes(v)) {
                return fail(`must be one of ${type.oneOf.map((x) => JSON.stringify(x)).join(", ")}`);
            }
            if (type.pattern && !type.pattern.test(v)) {
                return fail(`must be ${type.hint ?? `a string matching ${type.pattern}`}`);
            }
            return;
        case "int":
            if (typeof v !== "number" || !Number.isInteger(v)) {
                return fail(`expected an integer, got ${describe(v)}`);
            }
            if (type.min !== undefined && v < type.min) {
                return fail(`must be at least ${type.min}`);
            }
            if (type.max !== undefined && v > type.max) {
                return fail(`must be at most ${type.max}`);
            }
            return;
        case "bool":
            if (typeof v !== "boolean") {
                return fail(`expected a boolean, got ${describe(v)}`);
            }
            return;
        case "list":
            if (!Array.isArray(v)) {
                return fail(`expected a list, got ${describe(v)}`);
            }
            v.forEach((x, i) => {
                if (x === null || x === undefined) {
                    failures.push({ property: `${path}[${i}]`, reason: "list elements may not be null" });
                } else {
                    validateValue(`${path}[${i}]`, x, type.of, failures);
                }
            });
            return;
        case "map":
            if (!isObject(v)) {
                return fail(`expected a map of strings, got ${describe(v)}`);
            }
            for (const [k, x] of Object.entries(v)) {
                validateValue(`${path}.${k}`, x, { kind: "string" }, failures);
            }
            return;
        case "object":
            if (!isObject(v)) {
                return fail(`expected an object, got ${describe(v)}`);
            }
            validateFields(path, v, type.fields, failures, false);
            return;
    }
}

function describe(v: unknown): string {
    // Never echo the value itself: it may be a secret.
    if (Array.isArray(v)) {
        return "a list";
    }
    if (v === null) {
        return "null";
    }
    if (isObject(v)) {
        return "an object";
    }
    return `a ${typeof v}`;
}
