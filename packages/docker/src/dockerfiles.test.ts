import * as fs from "fs";
import * as path from "path";
import { DEFAULT_IMAGES, IMAGE_NAMES, POSTGRES_VERSIONS, postgresLayout } from "@pgscale/core";
import { IMAGES_DIR } from "./built-image/build";

// The Dockerfiles are part of the API (`pgscale images build`, BuiltImage): one per image name,
// and the versions they pin are the versions their labels announce.
const dockerfile = (name: string) => fs.readFileSync(path.join(IMAGES_DIR, name, "Dockerfile"), "utf8");

/** ARG NAME=default lines, and LABEL key="value" pairs (continuation lines joined). */
function pinsAndLabels(text: string): { args: Record<string, string>; labels: Record<string, string> } {
    const joined = text.replace(/\\\n/g, " ");
    const args = Object.fromEntries([...joined.matchAll(/^ARG ([A-Z0-9_]+)=(\S+)$/gm)].map((m) => [m[1], m[2]]));
    const labels: Record<string, string> = {};
    for (const line of joined.split("\n").filter((l) => l.startsWith("LABEL ")))
        for (const m of line.matchAll(/([a-z0-9.-]+)="([^"]*)"/g)) labels[m[1]] = m[2];
    return { args, labels };
}

describe("shipped Dockerfiles", () => {
    it("exist for every image name, and every Dockerfile is one of them", () => {
        for (const name of IMAGE_NAMES) expect(fs.existsSync(path.join(IMAGES_DIR, name, "Dockerfile"))).toBe(true);
        const dirs = fs.readdirSync(IMAGES_DIR).filter((d) => fs.statSync(path.join(IMAGES_DIR, d)).isDirectory());
        expect(dirs.sort()).toEqual([...IMAGE_NAMES].sort());
    });

    // Images on Debian trixie pin every apt version they install; bookworm ones (etcd, the 15 image)
    // predate the rule and stay byte-identical so existing stacks keep their images.
    it.each(["patroni-17", "haproxy", "pgbouncer", "exporters", "prometheus"])("%s: on trixie, each pinned apt version installed as pinned and announced by its label", (name) => {
        const text = dockerfile(name);
        const { args, labels } = pinsAndLabels(text);
        const pins = Object.entries(args).filter(([k]) => k.endsWith("_VERSION"));
        expect(pins.length).toBeGreaterThanOrEqual(1);
        for (const [arg, value] of pins) {
            const label = `org.pgscale.${arg.replace(/_VERSION$/, "").toLowerCase().replace(/_/g, "-")}-version`;
            expect({ arg, label: labels[label] }).toEqual({ arg, label: value });
            expect(text).toContain(`=\${${arg}}"`); // used as an apt pin: "pkg=${ARG}"
        }
        expect(labels["org.pgscale.debian-release"]).toBe("trixie");
        expect(text).toMatch(/^FROM debian:trixie-slim$/m);
    });

    it("the trixie images carry the majors pgscale's options rely on", () => {
        expect(pinsAndLabels(dockerfile("patroni-17")).labels["org.pgscale.postgresql-version"]).toMatch(/^17\./);
        expect(pinsAndLabels(dockerfile("patroni-17")).labels["org.pgscale.patroni-version"]).toMatch(/^4\./);
        // maxPreparedStatements needs PgBouncer 1.21+.
        expect(pinsAndLabels(dockerfile("pgbouncer")).labels["org.pgscale.pgbouncer-version"]).toMatch(/^1\.2[1-9]\./);
        expect(pinsAndLabels(dockerfile("haproxy")).labels["org.pgscale.haproxy-version"]).toMatch(/^3\./);
    });

    it("the image of each major runs as postgres with that major's binaries first on PATH", () => {
        for (const v of POSTGRES_VERSIONS) {
            const { image, binDir } = postgresLayout(v);
            const text = dockerfile(image);
            expect(text).toContain(`ENV PATH=${binDir}:$PATH`);
            expect(text).toMatch(/^USER postgres$/m);
            expect(text).toContain('CMD ["patroni", "/etc/patroni/patroni.yml"]');
            expect(text).toContain("EXPOSE 5432 8008");
        }
    });

    it("pg-upgrade is the current patroni-17 image plus PostgreSQL 15's server, pinned and announced", () => {
        const text = dockerfile("pg-upgrade");
        // Built on the image the upgraded members run, so pg_upgrade's new binaries are theirs.
        expect(text).toMatch(new RegExp(`^FROM ${DEFAULT_IMAGES["patroni-17"].replace(/[.]/g, "\\.")}$`, "m"));
        const { args, labels } = pinsAndLabels(text);
        expect(args.POSTGRESQL_15_VERSION).toMatch(/^15\./);
        expect(labels["org.pgscale.postgresql-15-version"]).toBe(args.POSTGRESQL_15_VERSION);
        expect(text).toContain('"postgresql-15=${POSTGRESQL_15_VERSION}"');
        expect(text).toMatch(/^USER postgres$/m);
    });
});
