import { parse } from "yaml";
import { parseSpec } from "../validation";
import { ALERT_NAMES } from "./rules";
import { alertmanagerCommand, alertmanagerRetention, alertmanagerSpec, renderAlertmanagerConfig } from "./alertmanager";

const spec = (input: object = {}) => parseSpec(alertmanagerSpec, input, "Alertmanager am");

describe("Alertmanager configuration", () => {
    it("groups by alert and cluster into one receiver, with documented defaults", () => {
        const cfg = parse(renderAlertmanagerConfig(spec()));
        expect(cfg.route).toEqual({ receiver: "pgscale", group_by: ["alertname", "cluster"], group_wait: "30s", group_interval: "300s", repeat_interval: "14400s" });
        expect(cfg.receivers).toEqual([{ name: "pgscale" }]);
    });

    it("posts firing and resolved alerts to every webhook given", () => {
        const cfg = parse(renderAlertmanagerConfig(spec({ webhookUrls: ["http://hook:8080/a", "https://pager.example.com/x"] })));
        expect(cfg.receivers[0].webhook_configs).toEqual([
            { url: "http://hook:8080/a", send_resolved: true },
            { url: "https://pager.example.com/x", send_resolved: true },
        ]);
    });

    it("inhibits only alerts pgscale raises", () => {
        const cfg = parse(renderAlertmanagerConfig(spec()));
        const names = JSON.stringify(cfg.inhibit_rules).match(/Pgscale[A-Za-z]+/g)!;
        for (const n of names) expect(ALERT_NAMES).toContain(n);
    });

    it("names the bad field", () => {
        expect(() => spec({ webhookUrls: ["ftp://x"] })).toThrow(/webhookUrls/);
        expect(() => spec({ retentionTime: "5 days" })).toThrow(/retentionTime/);
        expect(() => spec({ retentionHours: 120 })).toThrow(/retentionHours/);
        expect(() => spec({ repeatIntervalSeconds: 10 })).toThrow(/repeatIntervalSeconds/);
        expect(() => spec({ receivers: [] })).toThrow(/receivers/);
    });

    it("runs without gossip, on its API port", () => {
        expect(alertmanagerCommand(spec(), "/c.yml", "/data")).toEqual([
            "prometheus-alertmanager", "--config.file=/c.yml", "--storage.path=/data", "--data.retention=120h", "--web.listen-address=:9093", "--cluster.listen-address=",
        ]);
    });

    it("gives the retention in hours, the largest unit of Alertmanager's Go durations", () => {
        expect(["12h", "5d", "2w"].map(alertmanagerRetention)).toEqual(["12h", "120h", "336h"]);
        expect(alertmanagerCommand(spec({ retentionTime: "1w" }), "/c.yml", "/data")).toContain("--data.retention=168h");
    });
});
