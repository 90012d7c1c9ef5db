import { defineCommand } from "../command";
import { EXIT } from "../io";
import { HTTP_PROTOCOLS, PG_PROTOCOLS, reportUsageErrors, uriEnvHelp, uriFrom, urlProblem, UsageError } from "../options";
import { renderSwitchoverText } from "../render/switchover-text";
import { performSwitchover, SwitchoverArgumentError, SwitchoverOptions } from "../switchover/perform";
import { patroniCaOption } from "../patroni/rest";

const USAGE = `usage: pgscale switchover --patroni-url URL [--patroni-url URL]... [--patroni-ca FILE] --primary-uri URI
                          [--to NODE] [--user USER --password-env VAR] [--timeout S]
                          [--probe-interval-ms MS] [--json]

A planned switchover through Patroni's REST API. A write probe runs through the primary URI
(HAProxy) the whole time; it is done once a write reaches the new leader, and reports the
measured write outage.

  --patroni-url URL        a member's REST API; repeatable (the first that answers is used)
  --patroni-ca FILE        the CA (PEM) an https URL's certificate must chain to: the
                           cluster's restApiCaPem (required with https URLs)
  --primary-uri URI        where the application writes (HAProxy's read-write listener)
  --to NODE                the member to promote; default: Patroni picks the best replica
  --user USER              REST API user (default patroni)
  --password-env VAR       name of the environment variable holding the REST API password
                           (POST /switchover needs it when Patroni has restapi authentication)
  --timeout S              give up after S seconds (default 60)
  --probe-interval-ms MS   time between probe writes (default 50): the outage's resolution
  --json                   print the result (or the errors) as JSON
  -h, --help               this help

${uriEnvHelp(["--primary-uri"])}

Exit status: 0 switched over, 1 the switchover failed or timed out, 2 invalid options.`;

function positiveInt(option: string, value: string | undefined, fallback: number, errors: UsageError[]): number {
    if (value === undefined) return fallback;
    if (!/^\d+$/.test(value) || Number(value) <= 0) errors.push({ option, message: "must be a positive integer" });
    return Number(value);
}

export const switchoverCommand = defineCommand({
    name: "switchover",
    summary: "planned switchover through Patroni, with the measured write outage",
    usage: USAGE,
    options: {
        "patroni-url": { type: "string", multiple: true },
        "patroni-ca": { type: "string" },
        "primary-uri": { type: "string" },
        to: { type: "string" },
        user: { type: "string" },
        "password-env": { type: "string" },
        timeout: { type: "string" },
        "probe-interval-ms": { type: "string" },
    },
    toArgs(values, env): { args: SwitchoverOptions } | { errors: UsageError[] } {
        const urls = values["patroni-url"] ?? [];
        const primaryUri = uriFrom("--primary-uri", values["primary-uri"], env);
        const errors = [
            urls.length ? undefined : { option: "--patroni-url", message: "is required" },
            ...urls.map((u) => urlProblem("--patroni-url", u, HTTP_PROTOCOLS, true)),
            urlProblem("--primary-uri", primaryUri, PG_PROTOCOLS, true),
        ].filter((e): e is UsageError => e !== undefined);
        const ca = patroniCaOption(values["patroni-ca"], urls);
        if (ca.error) errors.push(ca.error);
        const passwordVar = values["password-env"];
        // The password never goes on the command line, where ps and shell history would keep it.
        const password = passwordVar === undefined ? undefined : env[passwordVar];
        if (passwordVar !== undefined && !password) errors.push({ option: "--password-env", message: `environment variable ${passwordVar} is not set` });
        if (values.user !== undefined && passwordVar === undefined) errors.push({ option: "--user", message: "needs --password-env" });
        const timeoutS = positiveInt("--timeout", values.timeout, 60, errors);
        const probeIntervalMs = positiveInt("--probe-interval-ms", values["probe-interval-ms"], 50, errors);
        if (errors.length) return { errors };
        return {
            args: {
                patroniUrls: urls,
                ...(ca.ca ? { ca: ca.ca } : {}),
                primaryUri: primaryUri!,
                to: values.to,
                auth: password ? { user: values.user ?? "patroni", password } : undefined,
                timeoutMs: timeoutS * 1000,
                probeIntervalMs,
            },
        };
    },
    async execute(options, io, json) {
        try {
            const result = await performSwitchover(options);
            io.out(json ? JSON.stringify(result, null, 2) : renderSwitchoverText(result));
            return EXIT.ok;
        } catch (err) {
            if (err instanceof SwitchoverArgumentError) return reportUsageErrors("switchover", [{ option: err.option, message: err.message }], json, io);
            // Everything past argument checks is network and cluster state: report it, no stack trace.
            const message = err instanceof Error ? err.message : String(err);
            if (json) io.out(JSON.stringify({ error: message }, null, 2));
            else io.err(`pgscale switchover: ${message}`);
            return EXIT.failure;
        }
    },
});
