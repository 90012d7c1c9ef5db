"""pgscale's backup scheduler: runs beside Patroni in every member of a PatroniCluster with `backup`.

  python3 /usr/local/bin/pgscale-backup-scheduler /etc/pgscale/backup.json

backup.json (@pgscale/core schedulerConfig): {"stanza", "intervals": {"full": s, "diff": s, "incr": s},
"patroniUrl", "checkSeconds", "statusFile"}. Only the member Patroni reports as the running primary
acts: it creates the stanza when it is missing (idempotent, so a new primary after a failover
simply finds it), then runs the largest kind of backup whose interval has passed since the last
backup of that kind or a larger one. Each run's outcome goes to the log and to statusFile; a failed
run is retried at the next check. Standard library only (python3 of the Patroni image).
"""
import json
import os
import subprocess
import sys
import time
import urllib.request

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


def is_primary(patroni_url):
    try:
        with urllib.request.urlopen(patroni_url + "/patroni", timeout=3) as res:
            doc = json.loads(res.read())
    except Exception:  # noqa: BLE001 - a member that cannot tell is not the primary
        return False
    return doc.get("role") in ("primary", "master") and doc.get("state") == "running"


def pgbackrest(stanza, *args):
    res = subprocess.run(["pgbackrest", f"--stanza={stanza}", *args], capture_output=True, text=True)
    return res.returncode, (res.stdout + res.stderr).strip()


def backups_of(stanza):
    code, out = pgbackrest(stanza, "--output=json", "info")
    if code != 0:
        raise RuntimeError(out)
    doc = json.loads(out or "[]")
    return doc[0].get("backup", []) if doc else []


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
    status = {"stanza": stanza}
    stanza_ready = False
    # After a failed run, wait a minute before the next attempt rather than hammering a broken repository.
    not_before = 0.0
    while True:
        if is_primary(cfg["patroniUrl"]) and time.time() >= not_before:
            if not stanza_ready:
                code, out = pgbackrest(stanza, "stanza-create")
                stanza_ready = code == 0
                if not stanza_ready:
                    log(f"stanza-create failed (exit {code}): {out[-500:]}")
                    not_before = time.time() + 60
                    status.update(lastError={"at": time.time(), "step": "stanza-create", "message": out[-500:]})
            if stanza_ready:
                try:
                    kind = due(cfg["intervals"], backups_of(stanza), time.time())
                except Exception as e:  # noqa: BLE001 - reported, retried at the next check
                    kind = None
                    log(f"info failed: {e}")
                    status.update(lastError={"at": time.time(), "step": "info", "message": str(e)[-500:]})
                if kind:
                    started = time.time()
                    log(f"{kind} backup starting")
                    code, out = pgbackrest(stanza, f"--type={kind}", "backup")
                    run_doc = {"kind": kind, "startedAt": started, "finishedAt": time.time(), "ok": code == 0}
                    if code == 0:
                        log(f"{kind} backup done in {run_doc['finishedAt'] - started:.1f}s")
                        status.update(lastSuccess=run_doc)
                    else:
                        log(f"{kind} backup failed (exit {code}): {out[-500:]}")
                        run_doc["message"] = out[-500:]
                        status.update(lastError={"at": run_doc["finishedAt"], "step": f"{kind} backup", "message": out[-500:]})
                        # A stanza removed or damaged since: create it again at the next attempt.
                        stanza_ready = False
                        not_before = time.time() + 60
                    status["lastRun"] = run_doc
        else:
            stanza_ready = False
        status["checkedAt"] = time.time()
        try:
            write_status(cfg["statusFile"], status)
        except OSError as e:
            log(f"cannot write {cfg['statusFile']}: {e}")
        time.sleep(cfg["checkSeconds"])


if __name__ == "__main__":
    with open(sys.argv[1]) as f:
        run(json.load(f))
