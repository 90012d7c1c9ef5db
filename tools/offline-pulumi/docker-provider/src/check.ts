// Check: validate inputs against the supported subset, fill in what the real provider fills in
// (an autoname; for Image, the build context digest that makes file changes visible to diff).
import * as crypto from "crypto";
import { CheckFailure, CheckResult } from "@pulumi/pulumi/provider";
import { buildPathProblem, contextDigest, resolveBuildPaths } from "./build-context";
import { containsUnknown, isObject, isSecret, makeSecret, parseUrn, unwrapRecord, unwrapSecrets } from "./properties";
import { IMAGE, specFor, validateInputs } from "./schema";

/** Pulumi's autoname: `<resource name>-<7 hex chars>`. */
export function autoName(resourceName: string): string {
    return `${resourceName}-${crypto.randomBytes(4).toString("hex").slice(0, 7)}`;
}

export function checkResource(urn: string, olds: Record<string, unknown>, news: Record<string, unknown>): CheckResult {
    const { type, name } = parseUrn(urn);
    const spec = specFor(type);
    const failures: CheckFailure[] = validateInputs(spec, news);
    if (spec.validate) {
        failures.push(...spec.validate(unwrapRecord(news)));
    }
    const inputs: Record<string, unknown> = { ...news };
    if (spec.autoName && (news.name === undefined || news.name === null)) {
        // Keep the name chosen before, so an update does not rename (and thus replace) the resource.
        const previous = unwrapSecrets(olds?.name);
        inputs.name = typeof previous === "string" && !containsUnknown(previous) ? previous : autoName(name);
    }
    if (type === IMAGE && failures.length === 0) {
        addContextDigest(inputs, failures);
    }
    return { inputs, failures };
}

function addContextDigest(inputs: Record<string, unknown>, failures: CheckFailure[]): void {
    const raw = inputs.build;
    if (containsUnknown(raw)) {
        return; // the context is not known before the update; digested then
    }
    const build = isObject(unwrapSecrets(raw)) ? (unwrapSecrets(raw) as Record<string, unknown>) : {};
    const problem = buildPathProblem(build);
    if (problem) {
        failures.push({ property: /dockerfile/.test(problem) ? "build.dockerfile" : "build.context", reason: problem });
        return;
    }
    let digest: string;
    try {
        digest = contextDigest(resolveBuildPaths(build));
    } catch (err) {
        failures.push({ property: "build.context", reason: `unable to hash the build context: ${(err as Error).message}` });
        return;
    }
    if (isSecret(raw)) {
        inputs.build = makeSecret({ ...build, contextDigest: digest });
    } else {
        inputs.build = { ...(isObject(raw) ? raw : {}), contextDigest: digest };
    }
}
