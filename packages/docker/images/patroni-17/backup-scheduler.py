"""pgscale's backup scheduler: runs beside Patroni in every member of a PatroniCluster with `backup`.

  python3 /usr/local/bin/pgscale-backup-scheduler /etc/pgscale/backup.json

backup.json (@pgscale/core schedulerConfig): {"stanza", "intervals": {"full": s, "diff": s, "incr": s},
"patroniUrl", "checkSeconds", "statusFile", "metricsPort"}. Only the member Patroni reports as the
running primary acts: it creates the stanza when it is missing (idempotent, so a new primary after
a failover simply finds it), then runs the largest kind of backup whose interval has passed since
the last backup of that kind or a larger one. Each run's outcome goes to the log and to statusFile;
a failed run is retried a minute later.

Every member's scheduler, acting or not, serves Prometheus metrics on metricsPort (the stack
network only): the schedule, the newest backup of each kind in the repository (read with
`pgbackrest info`, which every member can do, so the figures outlive the primary's scheduler), and
whether this member's last attempt failed. Standard library only (python3 of the Patroni image).
"""
import json
import os
import ssl
import subprocess
import sys
import threading
import time
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

KINDS = ("full", "diff", "incr")


def due(intervals, backups, now):
    """The kind to run now, or None. `backups`: pgBackRest info's entries ({"type", "timestamp": {"stop"}});
    a full counts for every kind, a diff for diff and incr (each restarts the smaller kinds' clock)."""
    for rank, kind in enumerate(KINDS):
        every = intervals.get(kind)
        if not every:
            continue
        covering = KINDS[: rank + 1]
        stops = [b["timestamp"]["stop"] for b in backups if b.get("type") in covering and not b.get("error")]
        if not stops or now - max(stops) >= every:
            return kind
    return None


def is_primary(patroni_url, ca_file=None):
    # An https REST API (restApi.https): its certificate must chain to the cluster's CA and name 127.0.0.1.
    context = ssl.create_default_context(cafile=ca_file) if ca_file else None
    try:
        with urllib.request.urlopen(patroni_url + "/patroni", timeout=3, context=context) as res:
            doc = json.loads(res.read())
    except Exception:  # noqa: BLE001 - a member that cannot tell is not the primary
        return False
    return doc.get("role") in ("primary", "master") and doc.get("state") == "running"


def pgbackrest(stanza, *args):
    res = subprocess.run(["pgbackrest", f"--stanza={stanza}", *args], capture_output=True, text=True)
    return res.returncode, (res.stdout + res.stderr).strip()


# pgBackRest info's stanza status codes that mean the repository was read: ok, no backup yet, and
# the stanza not created yet (its path or its data missing). Any other (99 "other": the repository
# unreadable, say) is a failure, although `info` itself exits 0 with it.
READABLE_STATUS = (0, 1, 2, 3)


def backups_of(stanza):
    code, out = pgbackrest(stanza, "--output=json", "info")
    if code != 0:
        raise RuntimeError(out)
    doc = json.loads(out or "[]")
    if not doc:
        return []
    status = doc[0].get("status", {})
    if status.get("code", 0) not in READABLE_STATUS:
        repos = "; ".join(r.get("status", {}).get("message", "") for r in doc[0].get("repo", []))
        raise RuntimeError(f"pgbackrest info: {status.get('message', 'error')} (status {status.get('code')}): {repos}".rstrip(": "))
    return doc[0].get("backup", [])


def newest_by_kind(backups):
    """{kind: stop time of the newest backup of that kind pgBackRest did not mark as having errors}."""
    newest = {}
    for b in backups:
        kind, stop = b.get("type"), b.get("timestamp", {}).get("stop")
        if kind in KINDS and stop and not b.get("error"):
            newest[kind] = max(newest.get(kind, 0), stop)
    return newest


def render_metrics(intervals, facts):
    """Prometheus text format of the scheduler's facts: {"acting", "failing", "repository": {"ok",
    "newest": {kind: stop}, "count": {kind: n}}, "running"}."""
    out = []

    def metric(name, kind, help_text, samples):
        out.append(f"# HELP {name} {help_text}")
        out.append(f"# TYPE {name} {kind}")
        for labels, value in samples:
            label_text = ",".join(f'{k}="{v}"' for k, v in labels.items())
            out.append(f"{name}{{{label_text}}} {value}" if label_text else f"{name} {value}")

    repo = facts["repository"]
    metric("pgscale_backup_scheduler_acting", "gauge", "1 when this member's scheduler takes the backups (it is the running primary).",
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
    metric("pgscale_backup_failing", "gauge", "1 when this member's last attempt (stanza-create, info or backup) failed, while it acts.",
           [({}, 1 if facts["failing"] else 0)])
    return "\n".join(out) + "\n"


def serve_metrics(port, intervals, facts, lock):
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802 - http.server's name
            if self.path.split("?")[0] != "/metrics":
                self.send_error(404)
                return
            with lock:
                body = render_metrics(intervals, facts).encode()
            self.send_response(200)
            self.send_header("Content-Type", "text/plain; version=0.0.4")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):  # scrapes every few seconds: not worth a log line each
            pass

    server = ThreadingHTTPServer(("", port), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()


def write_status(path, status):
    tmp = path + ".tmp"
    with open(tmp, "w") as f:
        json.dump(status, f)
    # rename: a reader never sees half a file.
    os.replace(tmp, path)


def log(message):
    print(f"pgscale-backup: {message}", flush=True)


def run(cfg):
    stanza = cfg["stanza"]
    intervals = cfg["intervals"]
    status = {"stanza": stanza}
    lock = threading.Lock()
    facts = {"acting": False, "failing": False, "running": False, "repository": {"ok": False, "newest": {}, "count": {}}}
    if cfg.get("metricsPort"):
        serve_metrics(cfg["metricsPort"], intervals, facts, lock)
    stanza_ready = False
    # After a failed run, wait a minute before the next attempt rather than hammering a broken repository.
    not_before = 0.0

    def failed(step, message):
        log(f"{step} failed: {message}")
        status.update(lastError={"at": time.time(), "step": step, "message": message})
        with lock:
            facts["failing"] = True

    def look():
        """The repository's backups, also published as metrics; None when info fails."""
        try:
            backups = backups_of(stanza)
        except Exception as e:  # noqa: BLE001 - reported, retried at the next check
            with lock:
                facts["repository"]["ok"] = False
            return None, str(e)[-500:]
        with lock:
            facts["repository"] = {"ok": True, "newest": newest_by_kind(backups),
                                   "count": {k: sum(1 for b in backups if b.get("type") == k) for k in KINDS}}
        return backups, None

    while True:
        acting = is_primary(cfg["patroniUrl"], cfg.get("patroniCaFile"))
        with lock:
            facts["acting"] = acting
            if not acting:
                facts["failing"] = False
        if acting and time.time() >= not_before:
            if not stanza_ready:
                code, out = pgbackrest(stanza, "stanza-create")
                stanza_ready = code == 0
                if not stanza_ready:
                    failed("stanza-create", f"exit {code}: {out[-500:]}")
                    not_before = time.time() + 60
            if stanza_ready:
                backups, error = look()
                kind = None
                if error is not None:
                    failed("info", error)
                else:
                    kind = due(intervals, backups, time.time())
                if kind:
                    started = time.time()
                    log(f"{kind} backup starting")
                    with lock:
                        facts["running"] = True
                    code, out = pgbackrest(stanza, f"--type={kind}", "backup")
                    with lock:
                        facts["running"] = False
                    run_doc = {"kind": kind, "startedAt": started, "finishedAt": time.time(), "ok": code == 0}
                    if code == 0:
                        log(f"{kind} backup done in {run_doc['finishedAt'] - started:.1f}s")
                        status.update(lastSuccess=run_doc)
                        with lock:
                            facts["failing"] = False
                        look()
                    else:
                        run_doc["message"] = out[-500:]
                        failed(f"{kind} backup", f"exit {code}: {out[-500:]}")
                        # A stanza removed or damaged since: create it again at the next attempt.
                        stanza_ready = False
                        not_before = time.time() + 60
                    status["lastRun"] = run_doc
                elif error is None:
                    with lock:
                        facts["failing"] = False
        else:
            if not acting:
                stanza_ready = False
                # A member that does not act still reports the repository (a shared volume), so the
                # newest backup stays known when the acting scheduler is gone.
                look()
        status["checkedAt"] = time.time()
        try:
            write_status(cfg["statusFile"], status)
        except OSError as e:
            log(f"cannot write {cfg['statusFile']}: {e}")
        time.sleep(cfg["checkSeconds"])


if __name__ == "__main__":
    with open(sys.argv[1]) as f:
        run(json.load(f))
