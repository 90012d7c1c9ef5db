import * as pulumi from "@pulumi/pulumi";
import { parse } from "yaml";
import { installDockerMocks } from "../../../test/support/docker-mocks";

// Mocks must be in place before the constructs are imported (PULUMI-NOTES.md).
const registered: Array<{ type: string; name: string; inputs: any }> = [];
installDockerMocks((args) => registered.push({ type: args.type, name: args.name, inputs: args.inputs }));
jest.mock("@pgscale/postgres", () => require("../../../test/support/postgres-stubs"));
jest.mock("./rolling/rollout", () => require("../../../test/support/postgres-stubs"));
jest.mock("./haproxy-reload/config-reload", () => require("../../../test/support/postgres-stubs"));
jest.mock("./tls-delivery/cert-delivery", () => require("../../../test/support/postgres-stubs"));
jest.mock("./etcd-auth", () => require("../../../test/support/postgres-stubs"));
jest.mock("./engine/preflight", () => require("../../../test/support/postgres-stubs"));
import { Alertmanager, EtcdCluster, PatroniCluster, PgBouncerPool, Prometheus } from "./index";

const unwrap = <T>(o: pulumi.Output<T>): Promise<T> => new Promise((resolve) => o.apply(resolve));
const plain = (v: any) => (v && typeof v === "object" && "value" in v && !Array.isArray(v) ? v.value : v);
const container = (name: string) => registered.find((r) => r.type === "docker:index/container:Container" && r.name === name);
const labels = (name: string) => Object.fromEntries(container(name)!.inputs.labels.map((l: any) => [l.label, l.value]));
const upload = (name: string, file: string) => plain(container(name)!.inputs.uploads).find((u: any) => u.file === file);

describe("monitoring construct graph", () => {
    beforeEach(() => registered.splice(0));

    it("monitoring off: no exporter, no monitoring role, the members unchanged", async () => {
        const dcs = new EtcdCluster("off-dcs", { members: 1 });
        const pg = new PatroniCluster("off", { dcs, nodes: 2 });
        await unwrap(pg.dynamicConfig.urn);
        expect(pg.exporters).toEqual([]);
        expect(registered.filter((r) => /exporter|monitor/.test(r.name))).toEqual([]);
    });

    it("an exporter per member, on the network only, as a pg_monitor role with CONNECT on the database; Patroni members keep their labels", async () => {
        const dcs = new EtcdCluster("mdcs", { members: 3 });
        const pg = new PatroniCluster("mon", { dcs, nodes: 2, database: "appdb", owner: "app", monitoring: { enabled: true } });
        await unwrap(pg.exporters[1].urn);
        const role = registered.find((r) => r.type === "pgscale:index:Role")!;
        expect(role.inputs).toMatchObject({ name: "pgscale_monitor", login: true, memberOf: ["pg_monitor"] });
        expect(plain(role.inputs.connection)).toMatch(/^postgresql:\/\/postgres:pw-mon-superuser-password@127\.0\.0\.1:\d+\/postgres\?sslmode=require$/);
        expect(registered.find((r) => r.type === "pgscale:index:Grant")!.inputs).toMatchObject({ on: "database", database: "appdb", privileges: ["CONNECT"] });
        for (const [i, member] of ["mon-0", "mon-1"].entries()) {
            const c = container(`${member}-exporter`)!;
            expect(c.inputs.ports ?? []).toEqual([]);
            expect(c.inputs.capabilities).toEqual({ drops: ["ALL"] });
            expect(c.inputs.envs).toContain(`DATA_SOURCE_URI=${member}:5432/appdb?sslmode=verify-full&sslrootcert=/etc/pgscale-exporter/ca.crt`);
            expect(c.inputs.envs.join(" ")).not.toContain("pw-");
            expect(labels(`${member}-exporter`)).toMatchObject({ "pgscale.member": member, "pgscale.metrics.job": "postgres", "pgscale.metrics.port": "9187", "pgscale.component": "mon" });
            expect(parse(upload(`${member}-exporter`, "/etc/pgscale-exporter/queries.yaml").content)).toBeTruthy();
            expect(c.inputs.name).toMatch(new RegExp(`-mon-${i}-exporter$`));
            // Members are found by the role label they always had: no metrics label, no replacement.
            expect(Object.keys(labels(member)).filter((k) => k.startsWith("pgscale.metrics"))).toEqual([]);
        }
    });

    it("a pool's exporter reads the admin console as a stats-only user, from a file", async () => {
        const dcs = new EtcdCluster("pdcs", { members: 3 });
        const pg = new PatroniCluster("pm", { dcs, nodes: 2 });
        const pool = new PgBouncerPool("pmpool", { backend: pg, monitoring: { enabled: true } });
        await unwrap(pool.exporter!.urn);
        const ini = upload("pmpool", "/etc/pgbouncer/pgbouncer.ini").content;
        expect(ini).toMatch(/^stats_users = pgscale_admin,pgscale_stats$/m);
        expect(ini).toMatch(/^admin_users = pgscale_admin$/m);
        expect(upload("pmpool", "/etc/pgbouncer/userlist.txt").content).toContain('"pgscale_stats" "SCRAM-SHA-256$');
        expect(upload("pmpool-exporter", "/etc/pgscale-exporter/dsn").content).toBe("postgres://pgscale_stats:pw-pmpool-stats-password@pmpool:6432/pgbouncer?sslmode=verify-full&sslrootcert=/etc/pgscale-exporter/ca.crt");
        // The cluster's trust bundle (its CA, and the previous one after a rotation), which signs the pool.
        expect(upload("pmpool-exporter", "/etc/pgscale-exporter/ca.crt").content).toBe("CA pm-tls");
        expect(container("pmpool-exporter")!.inputs.command.join(" ")).not.toContain("pw-");
        expect(labels("pmpool-exporter")).toMatchObject({ "pgscale.metrics.job": "pgbouncer", "pgscale.metrics.port": "9127" });
    });

    it("Prometheus: discovery through a read-only proxy of the socket, loopback port, bounded retention, the rules loaded", async () => {
        const dcs = new EtcdCluster("prdcs", { members: 3 });
        const prom = new Prometheus("prom", { network: dcs.network, retentionTime: "3d", retentionSizeMb: 512, engineSocketGroup: 999 });
        await unwrap(prom.url);
        const proxy = container("prom-discovery")!;
        expect(proxy.inputs.volumes).toEqual([{ hostPath: "/var/run/docker.sock", containerPath: "/var/run/docker.sock", readOnly: true }]);
        expect(proxy.inputs.ports ?? []).toEqual([]);
        expect(proxy.inputs.capabilities).toEqual({ drops: ["ALL"] });
        expect(proxy.inputs).toMatchObject({ user: "haproxy", groupAdds: ["999"] });
        const p = container("prom")!;
        expect(p.inputs.ports).toEqual([{ internal: 9090, ip: "127.0.0.1" }]);
        expect(p.inputs.command).toEqual(expect.arrayContaining(["--storage.tsdb.retention.time=3d", "--storage.tsdb.retention.size=512MB"]));
        expect(p.inputs.volumes).toEqual([expect.objectContaining({ containerPath: "/prometheus" })]);
        const cfg = parse(plain(upload("prom", "/etc/pgscale-prometheus/prometheus.yml").content));
        expect(cfg.scrape_configs[0].docker_sd_configs[0]).toMatchObject({ host: "tcp://prom-discovery:2375", filters: [{ name: "label", values: ["pgscale.project=pgscale", "pgscale.stack=unit"] }] });
        expect(upload("prom", "/etc/pgscale-prometheus/rules.yml").content).toBe(prom.rules);
    });

    it("Alertmanager: loopback port, its state in a volume, no gossip, the configuration a secret; Prometheus sends to it over the network", async () => {
        const dcs = new EtcdCluster("amdcs", { members: 1 });
        const am = new Alertmanager("am", { network: dcs.network, webhookUrls: ["http://hook:8080/x?token=t0ken"] });
        const prom = new Prometheus("amprom", { network: dcs.network, engineSocketGroup: 999, alertmanager: am, alertmanagerUrls: ["https://other.example.com"] });
        await unwrap(prom.url);
        const c = container("am")!;
        expect(c.inputs.ports).toEqual([{ internal: 9093, ip: "127.0.0.1" }]);
        expect(c.inputs).toMatchObject({ user: "prometheus", capabilities: { drops: ["ALL"] } });
        expect(c.inputs.command).toEqual(expect.arrayContaining(["--cluster.listen-address=", "--storage.path=/var/lib/prometheus/alertmanager"]));
        expect(c.inputs.volumes).toEqual([expect.objectContaining({ containerPath: "/var/lib/prometheus/alertmanager" })]);
        expect(labels("am")).toMatchObject({ "pgscale.component": "am", "pgscale.role": "alertmanager" });
        const cfgUpload = container("am")!.inputs.uploads;
        expect(JSON.stringify(cfgUpload)).toContain("4dabf18193072939515e22adb298388d"); // the secret marker
        expect(parse(plain(upload("am", "/etc/pgscale-alertmanager/alertmanager.yml").content)).receivers[0].webhook_configs[0].url).toBe("http://hook:8080/x?token=t0ken");
        const cfg = parse(plain(upload("amprom", "/etc/pgscale-prometheus/prometheus.yml").content));
        expect(cfg.alerting.alertmanagers.map((a: any) => `${a.scheme}://${a.static_configs[0].targets[0]}`)).toEqual(["https://other.example.com", "http://am:9093"]);
    });

    it("bad input names the field and registers nothing", () => {
        const dcs = new EtcdCluster("bdcs", { members: 3 });
        registered.splice(0);
        expect(() => new Prometheus("bad", { network: dcs.network, retentionTime: "7 days" })).toThrow(/retentionTime: must be a whole number/);
        expect(() => new Prometheus("bad", { network: dcs.network, alertmanagerUrls: ["ftp://x"] })).toThrow(/alertmanagerUrls\[0\]/);
        expect(() => new Prometheus("bad", { network: dcs.network, engineSocket: "/nonexistent/docker.sock" })).toThrow(/engineSocket: cannot read \/nonexistent\/docker\.sock on this machine \(ENOENT\)/);
        expect(() => new PatroniCluster("bad", { dcs, monitoring: { enabled: "yes" as any } })).toThrow(/monitoring\.enabled/);
        expect(() => new Alertmanager("bad", { network: dcs.network, webhookUrls: ["hook"] })).toThrow(/webhookUrls\[0\]/);
        expect(() => new Alertmanager("bad", { network: "net" as any })).toThrow(/network: must be a docker\.Network/);
        expect(() => new Prometheus("bad", { network: dcs.network, alertmanager: "http://am:9093" as any })).toThrow(/alertmanager: must be an Alertmanager construct/);
        expect(registered).toEqual([]);
    });
});
