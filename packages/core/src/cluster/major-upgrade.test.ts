import { execFileSync } from "child_process";
import { UPGRADE_EXIT, majorChange, majorUpgradeSteps, missingExtensions, parseMajorUpgradeOutput, renderMajorUpgradeScript } from "./major-upgrade";
import { postgresLayout } from "./postgres-version";

const subject = "PatroniCluster main";
const docker = { upgradable: true, versionGiven: true };

describe("majorChange", () => {
    it("upgrades 15 to 17 where the platform can, when the program names the major", () => {
        expect(majorChange(subject, 15, 17, docker)).toEqual({ kind: "upgrade", from: 15, to: 17 });
        expect(majorChange(subject, 17, 17, docker)).toEqual({ kind: "same" });
    });

    it("refuses a downgrade, a defaulted major, an unsupported jump and a platform without upgrades, naming postgresVersion", () => {
        const reason = (c: ReturnType<typeof majorChange>) => (c.kind === "refused" ? c.reason : c.kind);
        expect(reason(majorChange(subject, 17, 15, docker))).toMatch(/^PatroniCluster main: postgresVersion: changing 17 to 15 is a downgrade, which PostgreSQL cannot do in place; nothing was touched\./);
        expect(reason(majorChange(subject, 15, 17, { ...docker, versionGiven: false })))
            .toMatch(/sets no postgresVersion, whose default is now 17; nothing was touched\. Add postgresVersion: 15 to keep the cluster on 15, or postgresVersion: 17 to upgrade it in place/);
        expect(reason(majorChange(subject, 15, 18, docker))).toMatch(/^PatroniCluster main: postgresVersion: no in-place upgrade from 15 to 18 \(supported: 15 -> 17\); nothing was touched\./);
        expect(reason(majorChange(subject, 15, 17, { ...docker, upgradable: false }))).toMatch(/is a major upgrade, which pgscale does on Docker only so far; nothing was touched/);
    });
});

describe("the upgrade's steps and script", () => {
    it("lists the steps preview shows, naming the members replaced", () => {
        const steps = majorUpgradeSteps(15, 17, ["pg-0", "pg-1"]);
        expect(steps[0]).toMatch(/^check: a leader, every replica streaming, every extension available in PostgreSQL 17/);
        expect(steps.join("\n")).toContain("pg_upgrade --link on the leader's volume (pg15 -> pg17");
        expect(steps.join("\n")).toContain("replace pg-0, pg-1 with PostgreSQL 17");
    });

    it("is valid sh, checks before it links, and keeps the old cluster whole on a refusal", () => {
        const script = renderMajorUpgradeScript(postgresLayout(15), postgresLayout(17));
        execFileSync("sh", ["-n", "-c", script]);
        expect(script.indexOf("--check")).toBeLessThan(script.indexOf("--link"));
        expect(script).toContain("old=/var/lib/postgresql/data/pg15; new=/var/lib/postgresql/data/pg17");
        expect(script).toContain("-b /usr/lib/postgresql/15/bin -B /usr/lib/postgresql/17/bin");
        expect(script).toContain("--locale=C.UTF-8");
        expect(script).toContain(`exit ${UPGRADE_EXIT.refusedBeforeChange}`);
        expect(script).toContain(`exit ${UPGRADE_EXIT.failedDuringUpgrade}`);
    });

    it("reads the system identifier and pg_upgrade's extension updates off the output", () => {
        expect(parseMajorUpgradeOutput("pgscale-upgrade: system-identifier=7715646539837419543\n")).toEqual({ systemIdentifier: "7715646539837419543" });
        const out = "pgscale-upgrade: system-identifier=1\npgscale-upgrade: extension-updates-begin\n\\connect appdb\nALTER EXTENSION \"pg_partman\" UPDATE;\npgscale-upgrade: extension-updates-end\n";
        expect(parseMajorUpgradeOutput(out)).toEqual({ systemIdentifier: "1", extensionUpdates: '\\connect appdb\nALTER EXTENSION "pg_partman" UPDATE;' });
        expect(() => parseMajorUpgradeOutput("initdb: error")).toThrow(/reported no system identifier: initdb: error/);
    });

    it("names each installed extension the new major lacks, by database", () => {
        expect(missingExtensions({ appdb: ["plpgsql", "pg_partman", "postgis"], postgres: ["plpgsql", "pg_stat_statements"] }, ["plpgsql", "pg_partman", "pg_stat_statements"]))
            .toEqual(["appdb.postgis"]);
    });
});
