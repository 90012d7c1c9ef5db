import { DEFAULT_THRESHOLDS, DoctorThresholds, diagnose, parseThresholds } from "@pgscale/core";
import { defineCommand } from "../command";
import { gatherFacts } from "../doctor/gather";
import { EXIT } from "../io";
import { HTTP_PROTOCOLS, PG_PROTOCOLS, uriEnvHelp, uriFrom, urlProblem, UsageError } from "../options";
import { renderDoctorText } from "../render/doctor-text";
import { wrap } from "../render/wrap";
import { patroniCaOption } from "../patroni/rest";
import type { KubectlTarget } from "@pgscale/core";
import { kubectlTargetArgs } from "../backup/kubectl";

/** Distinct from 1 (doctor itself failed) so scripts can tell a sick cluster from a broken run. */
export const EXIT_CRITICAL = 3;

const USAGE = `usage: pgscale doctor --primary-uri URI [--replica-uri URI] [--pooler-admin-uri URI]
                      [--patroni-url URL]... [--patroni-ca FILE] [--query SQL] [--threshold NAME=VALUE]...
                      [--prometheus URL [--window MINUTES]] [--backup-container NAME]...
                      [--backup-pod NAME... [--namespace NS] [--context CONTEXT]] [--json]

Runs the playbook's debug checklist against a live deployment and walks its decision tree
(connection issues, replication lag, partition not used); prints each finding with its fix.

  --primary-uri URI        the primary (e.g. HAProxy's read-write listener). Connect as a
                           superuser or a role with pg_monitor to see replication details and
                           every session; any other role gets a finding that says what it cannot see
  --replica-uri URI        a replica (e.g. HAProxy's read-only listener): received vs replayed WAL
  --pooler-admin-uri URI   PgBouncer's admin console (user in admin_users or stats_users,
                           database pgbouncer): SHOW POOLS, SHOW DATABASES,
                           SHOW STATS, SHOW CONFIG
  --patroni-url URL        repeatable; each member's REST API (members, leader; a URL that does
                           not answer counts as a member that is down)
  --patroni-ca FILE        the CA (PEM) an https URL's certificate must chain to: the
                           cluster's restApiCaPem (required with https URLs)
  --query SQL              one statement to EXPLAIN (never executed, read-only transaction):
                           were partitions pruned?
  --prometheus URL         a Prometheus scraping the deployment (pgscale's Prometheus construct's
                           url): the same lines drawn over the worst value of the last --window
                           minutes (lag per standby, pool waits), targets that went down, and
                           the alerts of pgscale's rules firing now, with their runbooks
  --window MINUTES         the history --prometheus reads (default 10)
  --backup-container NAME  repeatable; each member's container of a PatroniCluster with backup
                           (Docker): the findings of pgscale backup status (the repository, the
                           schedule, the scheduler, the scheduled restore drills) as doctor's
                           backups area
  --backup-pod NAME        repeatable; the same from each member pod (Kubernetes), read with
                           kubectl exec in its patroni container (pods/exec in the namespace)
  --namespace NS           with --backup-pod: the cluster's namespace (default: the context's)
  --context CONTEXT        with --backup-pod: the kubeconfig context (default: the current one)
  --threshold NAME=VALUE   repeatable; moves one of doctor's lines between ok, warning and
${wrap(`critical. Names and defaults: ${Object.entries(DEFAULT_THRESHOLDS).map(([k, v]) => `${k}=${v}`).join(", ")}`, " ".repeat(27))}
  --json                   print the report (or the errors) as JSON
  -h, --help               this help

${uriEnvHelp(["--primary-uri", "--replica-uri", "--pooler-admin-uri"])}

Exit status: 0 no critical finding, 3 a critical finding, 2 invalid options, 1 doctor failed.`;

interface DoctorArgs {
    primaryUri: string;
    replicaUri?: string;
    poolerAdminUri?: string;
    patroniUrls: string[];
    /** --patroni-ca's contents. */
    patroniCa?: string;
    query?: string;
    prometheus?: { url: string; windowMinutes: number };
    thresholds: DoctorThresholds;
    backupContainers: string[];
    /** --backup-pod: the members are pods, reached with kubectl exec. */
    backupPods?: { pods: string[]; target: KubectlTarget };
}

export const doctorCommand = defineCommand({
    name: "doctor",
    summary: "check a live deployment: pools, connections, replication lag, partition pruning",
    usage: USAGE,
    options: {
        "primary-uri": { type: "string" },
        "replica-uri": { type: "string" },
        "pooler-admin-uri": { type: "string" },
        "patroni-url": { type: "string", multiple: true },
        "patroni-ca": { type: "string" },
        query: { type: "string" },
        threshold: { type: "string", multiple: true },
        prometheus: { type: "string" },
        window: { type: "string" },
        "backup-container": { type: "string", multiple: true },
        "backup-pod": { type: "string", multiple: true },
        namespace: { type: "string" },
        context: { type: "string" },
    },
    toArgs(values, env): { args: DoctorArgs } | { errors: UsageError[] } {
        const patroniUrls = values["patroni-url"] ?? [];
        const primaryUri = uriFrom("--primary-uri", values["primary-uri"], env);
        const replicaUri = uriFrom("--replica-uri", values["replica-uri"], env);
        const poolerAdminUri = uriFrom("--pooler-admin-uri", values["pooler-admin-uri"], env);
        const errors = [
            urlProblem("--primary-uri", primaryUri, PG_PROTOCOLS, true),
            urlProblem("--replica-uri", replicaUri, PG_PROTOCOLS, false),
            urlProblem("--pooler-admin-uri", poolerAdminUri, PG_PROTOCOLS, false),
            ...patroniUrls.map((u) => urlProblem("--patroni-url", u, HTTP_PROTOCOLS, false)),
            values.query !== undefined && !values.query.trim() ? { option: "--query", message: "is empty" } : undefined,
            urlProblem("--prometheus", values.prometheus, HTTP_PROTOCOLS, false),
            values.window !== undefined && !(Number.isInteger(Number(values.window)) && Number(values.window) >= 1 && Number(values.window) <= 1440)
                ? { option: "--window", message: `must be a whole number of minutes from 1 to 1440 (got ${JSON.stringify(values.window)})` } : undefined,
            values.window !== undefined && values.prometheus === undefined ? { option: "--window", message: "applies only with --prometheus" } : undefined,
        ].filter((e): e is UsageError => e !== undefined);
        const backupContainers = values["backup-container"] ?? [];
        for (const c of backupContainers) if (!/^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/.test(c)) errors.push({ option: "--backup-container", message: `${JSON.stringify(c)} is not a container name or ID` });
        const pods = values["backup-pod"] ?? [];
        if (pods.length && backupContainers.length) errors.push({ option: "--backup-pod", message: "cannot be combined with --backup-container: the members are containers (Docker) or pods (Kubernetes)" });
        const target = kubectlTargetArgs("--backup-pod", { pods, namespace: values.namespace, context: values.context }, errors);
        const ca = patroniCaOption(values["patroni-ca"], patroniUrls);
        if (ca.error) errors.push(ca.error);
        const parsed = parseThresholds(values.threshold ?? []);
        if ("errors" in parsed) errors.push(...parsed.errors.map((e) => ({ option: "--threshold", field: e.name, message: e.message })));
        if (errors.length || "errors" in parsed) return { errors };
        const prometheus = values.prometheus === undefined ? undefined : { url: values.prometheus, windowMinutes: values.window === undefined ? 10 : Number(values.window) };
        return { args: { primaryUri: primaryUri!, replicaUri, poolerAdminUri, patroniUrls, ...(ca.ca ? { patroniCa: ca.ca } : {}), query: values.query, ...(prometheus ? { prometheus } : {}), thresholds: parsed.thresholds, backupContainers, ...(pods.length ? { backupPods: { pods, target } } : {}) } };
    },
    async execute(args, io, json) {
        const report = diagnose(await gatherFacts(args), args.thresholds);
        io.out(json ? JSON.stringify(report, null, 2) : renderDoctorText(report));
        return report.status === "critical" ? EXIT_CRITICAL : EXIT.ok;
    },
});
