"""The backup scheduler's facts as Prometheus metrics, and a scheduled drill's figures read off the
drill script's output (the same marks @pgscale/core's parseDrillOutput reads for the CLI), with
the record of them the members share in the DCS."""
import re
import threading
from datetime import datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

KINDS = ("full", "diff", "incr")
MARK = "PGSCALE-DRILL"
# The objectives of backup.drill, by the label the metrics give them.
OBJECTIVES = (("restore", "restoreSeconds"), ("rpo", "rpoSeconds"))


def newest_by_kind(backups):
    """{kind: stop time of the newest backup of that kind pgBackRest did not mark as having errors}."""
    newest = {}
    for b in backups:
        kind, stop = b.get("type"), b.get("timestamp", {}).get("stop")
        if kind in KINDS and stop and not b.get("error"):
            newest[kind] = max(newest.get(kind, 0), stop)
    return newest


def pg_time(text):
    """Epoch seconds of a time as pgBackRest and PostgreSQL print it ("2026-12-03 22:31:09.1+00")."""
    return datetime.fromisoformat(text.strip()).timestamp()


def drill_facts(record, objectives):
    """A scheduled drill's figures from its record ({"startedAt", "finishedAt", "exitCode", "output"}):
    {"startedAt", "ranAt", "ok"} and, when it restored and checked, "backupSet", "restoreSeconds",
    "restorable" (epoch seconds), "lossWindowSeconds" (at its end) and "exceeded" {objective label:
    bool} for each objective set; else "error". As parseDrillOutput and drillShortfalls compute them."""
    facts = {"startedAt": record["startedAt"], "ranAt": record["finishedAt"], "ok": False}
    marks = {}
    for line in record.get("output", "").split("\n"):
        line = line.strip()
        if line.startswith(MARK + " "):
            for part in re.split(r" (?=\w+=)", line[len(MARK) + 1:]):
                key, _, value = part.partition("=")
                marks[key] = value
    if record.get("exitCode") != 0:
        return {**facts, "error": f"exit {record.get('exitCode')}: {record.get('output', '')[-300:]}"}
    try:
        backup_set = marks["backup"]
        restore = round(float(marks["seconds"]), 1)
        restorable = pg_time(marks.get("last") or marks["start"])
    except (KeyError, ValueError) as e:
        return {**facts, "error": f"the drill's output has no readable {e}: {record.get('output', '')[-300:]}"}
    window = max(0, round(record["finishedAt"] - restorable))
    figures = {"restoreSeconds": restore, "rpoSeconds": window}
    exceeded = {label: figures[key] > objectives[key] for label, key in OBJECTIVES if objectives.get(key) is not None}
    return {**facts, "ok": True, "backupSet": backup_set, "restoreSeconds": restore, "restorable": restorable,
            "lossWindowSeconds": window, "exceeded": exceeded}


def shared_drill(previous, facts):
    """The drill record every member reads (etcd): the newest drill's facts and the newest that restored."""
    return {"last": facts, "lastOk": facts if facts["ok"] else (previous or {}).get("lastOk")}


def newest_drill_start(local, shared):
    """The start of the cluster's newest drill (this member's record or the shared one), for drill_due: a
    new acting member keeps the cluster's drill clock."""
    starts = [d["startedAt"] for d in (local, (shared or {}).get("last")) if d]
    return {"startedAt": max(starts)} if starts else None


def render_metrics(intervals, facts, drill=None):
    """Prometheus text format of the scheduler's facts: {"acting", "failing", "repository": {"ok",
    "newest": {kind: stop}, "count": {kind: n}}, "running", "leaseRefusals", "drill": {"last",
    "lastOk"} (drill_facts of the newest drill and of the newest that restored)}; `drill`: the
    configured drill (backup.json's), None without one (no drill metrics then)."""
    out = []

    def metric(name, kind, help_text, samples):
        out.append(f"# HELP {name} {help_text}")
        out.append(f"# TYPE {name} {kind}")
        for labels, value in samples:
            label_text = ",".join(f'{k}="{v}"' for k, v in labels.items())
            out.append(f"{name}{{{label_text}}} {value}" if label_text else f"{name} {value}")

    repo = facts["repository"]
    metric("pgscale_backup_scheduler_acting", "gauge", "1 when this member's scheduler takes the backups (the first streaming replica by name, else the running primary).",
           [({}, 1 if facts["acting"] else 0)])
    metric("pgscale_backup_schedule_interval_seconds", "gauge", "Seconds between backups of each scheduled kind.",
           [({"kind": k}, intervals[k]) for k in KINDS if intervals.get(k)])
    metric("pgscale_backup_repository_readable", "gauge", "1 when pgbackrest info could read the repository at its last look.",
           [({}, 1 if repo["ok"] else 0)])
    metric("pgscale_backup_last_completed_timestamp_seconds", "gauge", "Stop time of the newest backup of each kind in the repository.",
           [({"kind": k}, repo["newest"][k]) for k in KINDS if k in repo["newest"]])
    metric("pgscale_backup_sets", "gauge", "Backup sets of each kind in the repository.",
           [({"kind": k}, repo["count"].get(k, 0)) for k in KINDS])
    metric("pgscale_backup_running", "gauge", "1 while this member's scheduler runs a backup.", [({}, 1 if facts["running"] else 0)])
    metric("pgscale_backup_failing", "gauge", "1 when this member's last attempt (stanza-create, info, the backup lease or the backup) failed, while it acts.",
           [({}, 1 if facts["failing"] else 0)])
    metric("pgscale_backup_lease_refusals_total", "counter", "Backups this member's scheduler found due but did not start: another member held the backup lease.",
           [({}, facts.get("leaseRefusals", 0))])
    if drill is None:
        return "\n".join(out) + "\n"
    last, ok = facts.get("drill", {}).get("last"), facts.get("drill", {}).get("lastOk")
    objectives = drill.get("objectives", {})
    metric("pgscale_backup_drill_interval_seconds", "gauge", "Seconds between scheduled restore drills.", [({}, drill["everySeconds"])])
    metric("pgscale_backup_drill_objective_seconds", "gauge", "The drill's objectives: restore (its restore time) and rpo (its data-loss window).",
           [({"objective": label}, objectives[key]) for label, key in OBJECTIVES if objectives.get(key) is not None])
    metric("pgscale_backup_drill_failing", "gauge", "1 when the cluster's last scheduled drill failed (restore, start or check query).",
           [({}, 1 if last and not last["ok"] else 0)])
    if last:
        metric("pgscale_backup_drill_last_run_timestamp_seconds", "gauge", "When the cluster's last scheduled drill ended, restored or not.", [({}, last["ranAt"])])
    if ok:
        metric("pgscale_backup_drill_last_success_timestamp_seconds", "gauge", "When the last scheduled drill that restored and checked ended.", [({}, ok["ranAt"])])
        metric("pgscale_backup_drill_restore_seconds", "gauge", "That drill's restore time: from the restore's start until PostgreSQL accepted writes.", [({}, ok["restoreSeconds"])])
        metric("pgscale_backup_drill_restorable_timestamp_seconds", "gauge", "That drill's restorable point: the newest commit it restored (or its backup's start).", [({}, ok["restorable"])])
        metric("pgscale_backup_drill_loss_window_seconds", "gauge", "That drill's data-loss window: its end minus its restorable point.", [({}, ok["lossWindowSeconds"])])
        metric("pgscale_backup_drill_objective_exceeded", "gauge", "1 when that drill missed the objective (restore or rpo).",
               [({"objective": label}, 1 if over else 0) for label, over in ok["exceeded"].items()])
    return "\n".join(out) + "\n"


def serve_metrics(port, render, lock):
    """Serves render() (under `lock`) at /metrics on `port`, in a thread."""
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802 - http.server's name
            if self.path.split("?")[0] != "/metrics":
                self.send_error(404)
                return
            with lock:
                body = render().encode()
            self.send_response(200)
            self.send_header("Content-Type", "text/plain; version=0.0.4")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):  # scrapes every few seconds: not worth a log line each
            pass

    server = ThreadingHTTPServer(("", port), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
