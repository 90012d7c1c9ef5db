"""pgscale's backup scheduler: runs beside Patroni in every member of a PatroniCluster with `backup`.

  python3 /usr/local/bin/pgscale-backup-scheduler /etc/pgscale/backup.json
  python3 /usr/local/bin/pgscale-backup-scheduler /etc/pgscale/backup.json which
  python3 /usr/local/bin/pgscale-backup-scheduler /etc/pgscale/backup.json backup full|diff|incr

backup.json (@pgscale/core schedulerConfig): {"stanza", "intervals": {"full": s, "diff": s, "incr": s},
"patroniUrl", "checkSeconds", "statusFile", "metricsPort", "standbyOptions", "drill"}. One member
acts, chosen from Patroni's view of the cluster (GET /cluster, the same on every member): the first
streaming replica by name, else the running primary (`choose`). The running primary creates the
stanza when it is missing (idempotent, so a new primary after a failover simply finds it; a replica
cannot: its own archive-get holds the stanza's archive lock); the acting member
runs the largest kind of backup whose interval has passed since the last backup of that kind or a
larger one, under the backup lease (pgscale_dcs: a lease-bound key in the DCS under the scope's
prefix, taken by compare-and-set, kept alive while pgBackRest runs, revoked at the end; a member
that finds it held does not back up and logs who holds it): on a replica pgBackRest reads the data files there and reaches the primary's pgBackRest
server (standbyOptions and --pg2-host) only to start and stop the backup and copy the files that
are not replicated. With `drill`, the acting member also restores the newest backup into a scratch
directory on that schedule (the drill script), records its output and shares its figures in the
DCS (the drill clock and the metrics survive a change of acting member). Each run's outcome goes to
the log and to statusFile; a failed run is retried a minute later. Every member also runs
pgBackRest's TLS server (restarted when it exits), which the acting member's backups reach.

`which` prints the choice as this member sees it; `backup KIND` runs one backup here as the
scheduler would (what `pgscale backup run` executes in the acting member).

Every member's scheduler, acting or not, serves Prometheus metrics on metricsPort (the stack
network only): the schedule, the newest backup of each kind in the repository (read with
`pgbackrest info`, which every member can do, so the figures outlive the primary's scheduler), and
whether this member's last attempt failed, the backups it did not start for want of the lease, and
the cluster's last drill (pgscale_backup_metrics). Standard library, and PyYAML (Patroni's) to read
patroni.yml; the modules beside it are installed in /usr/local/lib/pgscale.
"""
import json
import os
import signal
import ssl
import subprocess
import sys
import threading
import time
import urllib.request

# The modules beside it: in the image /usr/local/lib/pgscale, in the source tree this directory.
sys.path[:0] = ["/usr/local/lib/pgscale", os.path.dirname(os.path.realpath(__file__))]
import pgscale_dcs  # noqa: E402
from pgscale_backup_metrics import KINDS, drill_facts, newest_by_kind, newest_drill_start, render_metrics, serve_metrics, shared_drill  # noqa: E402,F401

# Seconds the backup lease lives without a renewal; renewed every third of it while a backup runs.
LEASE_TTL = 30
# pgBackRest's exit code when a lock it needs is held (LockAcquireError).
LOCK_BUSY = 50
# Patroni's configuration in the member: its etcd3 (or kubernetes) section is how the scheduler
# reaches the DCS. On Kubernetes each member reads its own file, named in PGSCALE_PATRONI_CONFIG.
PATRONI_CONFIG = os.environ.get("PGSCALE_PATRONI_CONFIG", "/etc/patroni/patroni.yml")


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


def rest(patroni_url, path, ca_file=None):
    # An https REST API (restApi.https): its certificate must chain to the cluster's CA and name 127.0.0.1.
    context = ssl.create_default_context(cafile=ca_file) if ca_file else None
    with urllib.request.urlopen(patroni_url + path, timeout=3, context=context) as res:
        return json.loads(res.read())


STANDBY_ROLES = ("replica", "sync_standby", "quorum_standby")


def choose(cluster):
    """Who takes the backups, from GET /cluster: {"acting", "primary", "primaryHost", "standby"}, or
    None without a running leader. The first streaming replica by name reads the data files, so the
    primary's disk is spared; with none streaming, the primary backs itself up."""
    members = cluster.get("members", [])
    leader = next((m for m in members if m.get("role") == "leader" and m.get("state") == "running"), None)
    if leader is None:
        return None
    streaming = sorted(m["name"] for m in members if m.get("role") in STANDBY_ROLES and m.get("state") == "streaming")
    acting = streaming[0] if streaming else leader["name"]
    return {"acting": acting, "primary": leader["name"], "primaryHost": leader.get("host") or leader["name"], "standby": bool(streaming)}


def view(cfg):
    """(this member's Patroni name, the choice), as this member's Patroni sees the cluster; (None, None) when it cannot tell."""
    try:
        me = rest(cfg["patroniUrl"], "/patroni", cfg.get("patroniCaFile"))
        cluster = rest(cfg["patroniUrl"], "/cluster", cfg.get("patroniCaFile"))
    except Exception:  # noqa: BLE001 - a member that cannot tell does not act
        return None, None
    name = me.get("patroni", {}).get("name")
    choice = choose(cluster)
    if choice is None or name is None:
        return name, None
    # Its own answer must agree: a replica that acts is running, a primary that acts is the running primary.
    role_ok = me.get("state") == "running" and (me.get("role") in ("primary", "master") if name == choice["primary"] else me.get("role") == "replica")
    return name, (choice if role_ok else None)


def primary_args(cfg, me, choice):
    """On a standby, the options that reach the primary (pg2) through its pgBackRest server; none on the primary."""
    return [] if me == choice["primary"] else [*cfg.get("standbyOptions", []), f"--pg2-host={choice['primaryHost']}"]


def backup_args(cfg, kind, me, choice):
    """pgBackRest's arguments for a backup of `kind` on this member: from the standby when it is not the primary."""
    reach = primary_args(cfg, me, choice)
    return [f"--type={kind}", *(["--backup-standby=y", *reach] if reach else []), "backup"]


def pgbackrest(stanza, *args):
    res = subprocess.run(["pgbackrest", f"--stanza={stanza}", *args], capture_output=True, text=True)
    return res.returncode, (res.stdout + res.stderr).strip()


# pgBackRest info's stanza status codes that mean the repository was read: ok, no backup yet, and
# the stanza not created yet (its path or its data missing). Any other (99 "other": the repository
# unreadable, say) is a failure, although `info` itself exits 0 with it.
READABLE_STATUS = (0, 1, 2, 3)


# Of those, the ones with the stanza created (ok, no backup yet).
STANZA_EXISTS = (0, 2)


def backups_of(stanza, seen=None):
    """The stanza's backups; `seen` (a dict), when given, gets the stanza's status code."""
    code, out = pgbackrest(stanza, "--output=json", "info")
    if code != 0:
        raise RuntimeError(out)
    doc = json.loads(out or "[]")
    if not doc:
        return []
    status = doc[0].get("status", {})
    if seen is not None:
        seen["code"] = status.get("code", 0)
    if status.get("code", 0) not in READABLE_STATUS:
        repos = "; ".join(r.get("status", {}).get("message", "") for r in doc[0].get("repo", []))
        raise RuntimeError(f"pgbackrest info: {status.get('message', 'error')} (status {status.get('code')}): {repos}".rstrip(": "))
    return doc[0].get("backup", [])


def write_status(path, status):
    tmp = path + ".tmp"
    with open(tmp, "w") as f:
        json.dump(status, f)
    # rename: a reader never sees half a file.
    os.replace(tmp, path)


def log(message):
    print(f"pgscale-backup: {message}", flush=True)


def mtime(path):
    try:
        return os.stat(path).st_mtime
    except OSError:
        return None


class Server:
    """pgBackRest's TLS server, started with the scheduler and again whenever it has exited, or when
    its certificate file changes (a renewal written in place: the server reads it only at start)."""

    def __init__(self, cert_file=None):
        self.process = None
        self.cert_file = cert_file
        self.cert_seen = None

    def keep_running(self):
        running = self.process is not None and self.process.poll() is None
        cert = mtime(self.cert_file) if self.cert_file else None
        if running and cert == self.cert_seen:
            return
        if running:
            log("pgbackrest server: its certificate changed; starting it again")
            self.stop()
            self.process.wait()
        elif self.process is not None:
            log(f"pgbackrest server exited ({self.process.returncode}); starting it again")
        self.cert_seen = cert
        self.process = subprocess.Popen(["pgbackrest", "server"], stdin=subprocess.DEVNULL)

    def stop(self):
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()


def backup_under_lease(cfg, dcs, kind, me, choice):
    """One backup of `kind` on this member, under the backup lease: (holder, None, None) when another
    member holds it, else (None, exit code, output). Raises when etcd cannot be asked."""
    lease = dcs.lease(pgscale_dcs.LEASE_KEY, LEASE_TTL)
    holder = lease.take({"member": me, "kind": kind, "startedAt": time.time()})
    if holder is not None:
        return holder, None, None
    try:
        code, out = pgscale_dcs.run_holding(lease, ["pgbackrest", f"--stanza={cfg['stanza']}", *backup_args(cfg, kind, me, choice)], lease.ttl / 3)
    finally:
        lease.release()
    return None, code, out


def drill_due(drill, last, now):
    return drill is not None and (last is None or now - last["startedAt"] >= drill["everySeconds"])


def run_drill(drill):
    """The drill script (restore into a scratch directory, start, check, stop, remove): its record for statusFile."""
    started = time.time()
    res = subprocess.run(["/bin/sh", drill["script"], drill["checkBase64"]], capture_output=True, text=True)
    output = res.stdout.strip() + ("\n" + res.stderr.strip()[-1000:] if res.stderr.strip() else "")
    return {"startedAt": started, "finishedAt": time.time(), "exitCode": res.returncode, "output": output}


def run(cfg):
    stanza = cfg["stanza"]
    intervals = cfg["intervals"]
    status = {"stanza": stanza}
    # A scheduler started again in the same container keeps the last drill's record (and its clock).
    try:
        with open(cfg["statusFile"]) as f:
            previous = json.load(f)
        if previous.get("stanza") == stanza and "lastDrill" in previous:
            status["lastDrill"] = previous["lastDrill"]
    except (OSError, ValueError):
        pass
    lock = threading.Lock()
    facts = {"acting": False, "failing": False, "running": False, "repository": {"ok": False, "newest": {}, "count": {}}, "leaseRefusals": 0, "drill": {}}
    drill = cfg.get("drill")
    if drill and "lastDrill" in status:
        facts["drill"] = shared_drill(None, drill_facts(status["lastDrill"], drill["objectives"]))
    if cfg.get("metricsPort"):
        serve_metrics(cfg["metricsPort"], lambda: render_metrics(intervals, facts, drill), lock)
    dcs = pgscale_dcs.patroni_dcs(PATRONI_CONFIG)
    stanza_ready = False
    # After a failed run, wait a minute before the next attempt rather than hammering a broken repository.
    not_before = 0.0
    # pgbackrest check passed since this member became the primary; when to try again after it failed.
    checked = False
    check_not_before = 0.0
    server = Server(cfg.get("serverCertFile")) if cfg.get("standbyOptions") is not None else None
    if server is not None:
        # Stopped with the scheduler, so a scheduler started again starts its own.
        signal.signal(signal.SIGTERM, lambda *_: (server.stop(), sys.exit(0)))

    def failed(step, message):
        log(f"{step} failed: {message}")
        status.update(lastError={"at": time.time(), "step": step, "message": message})
        with lock:
            facts["failing"] = True

    def look(seen=None):
        """The repository's backups, also published as metrics; None when info fails."""
        try:
            backups = backups_of(stanza, seen)
        except Exception as e:  # noqa: BLE001 - reported, retried at the next check
            with lock:
                facts["repository"]["ok"] = False
            return None, str(e)[-500:]
        with lock:
            facts["repository"] = {"ok": True, "newest": newest_by_kind(backups),
                                   "count": {k: sum(1 for b in backups if b.get("type") == k) for k in KINDS}}
        return backups, None

    def shared():
        """The cluster's drill record from etcd (published as metrics by every member); None when unread."""
        try:
            doc = dcs.get(pgscale_dcs.DRILL_KEY)
        except Exception:  # noqa: BLE001 - the last known record stands until etcd answers
            return None
        record = json.loads(doc) if doc else None
        if record:
            with lock:
                facts["drill"] = record
        return record

    def backup(kind, me, choice):
        nonlocal stanza_ready, not_before
        started = time.time()
        with lock:
            facts["running"] = True
        try:
            holder, code, out = backup_under_lease(cfg, dcs, kind, me, choice)
        except Exception as e:  # noqa: BLE001 - etcd out of reach: no lease, no backup
            holder, code, out = None, None, f"the backup lease: {e}"
        finally:
            with lock:
                facts["running"] = False
        if holder is not None:
            # Once per holder: a long backup elsewhere is not a log line every look.
            if status.get("lastRefusal", {}).get("holder") != holder:
                log(pgscale_dcs.refusal(me, kind, holder))
            status["lastRefusal"] = {"at": time.time(), "kind": kind, "holder": holder}
            with lock:
                facts["leaseRefusals"] += 1
            return
        run_doc = {"kind": kind, "startedAt": started, "finishedAt": time.time(), "ok": code == 0}
        if code == 0:
            log(f"{kind} backup done in {run_doc['finishedAt'] - started:.1f}s")
            status.update(lastSuccess=run_doc)
            with lock:
                facts["failing"] = False
            look()
        else:
            message = f"exit {code}: {out[-500:]}" if code is not None else out[-500:]
            run_doc["message"] = message
            failed(f"{kind} backup", message)
            # A stanza removed or damaged since: create it again at the next attempt.
            stanza_ready = False
            not_before = time.time() + 60
        status["lastRun"] = run_doc

    def drill_now():
        log("restore drill starting")
        status["lastDrill"] = run_drill(drill)
        done = drill_facts(status["lastDrill"], drill["objectives"])
        log(f"restore drill done: exit {status['lastDrill']['exitCode']}")
        with lock:
            facts["drill"] = shared_drill(facts["drill"], done)
            record = facts["drill"]
        try:
            dcs.put(pgscale_dcs.DRILL_KEY, json.dumps(record))
        except Exception as e:  # noqa: BLE001 - this member still reports it; the others keep the last one they read
            log(f"cannot share the drill's record in etcd: {e}")

    while True:
        if server is not None:
            server.keep_running()
        me, choice = view(cfg)
        acting = choice is not None and choice["acting"] == me
        with lock:
            facts["acting"] = acting
            if not acting:
                facts["failing"] = False
        primary = choice is not None and choice["primary"] == me
        if not primary:
            stanza_ready = False
            checked = False
        # The running primary creates the stanza (idempotent), whichever member takes the backups.
        if primary and not stanza_ready and time.time() >= not_before:
            code, out = pgbackrest(stanza, "stanza-create")
            stanza_ready = code == 0
            if code == LOCK_BUSY:
                # stanza-create takes the archive lock too, which the asynchronous archive-push holds
                # while it sends a new primary's first segments: not a failure, again at the next look.
                log("stanza-create waits: archive-push holds pgBackRest's archive lock")
            elif not stanza_ready:
                failed("stanza-create", f"exit {code}: {out[-500:]}")
                not_before = time.time() + 60
        # Then, once per primary (bootstrap, failover, switchover), pgbackrest check: the
        # configuration matches the server and a WAL segment reaches the repository through
        # archive_command. A failure is reported and tried again a minute later.
        if primary and stanza_ready and not checked and time.time() >= check_not_before:
            code, out = pgbackrest(stanza, "--archive-timeout=30", "check")
            checked = code == 0
            status["lastCheck"] = {"at": time.time(), "member": me, "ok": checked, **({} if checked else {"message": f"exit {code}: {out[-500:]}"})}
            if checked:
                log("pgbackrest check passed: the archive reaches the repository")
            else:
                failed("check", status["lastCheck"]["message"])
                check_not_before = time.time() + 60
        record = shared() if drill else None
        if acting and time.time() >= not_before:
            if stanza_ready or not primary:
                seen = {}
                backups, error = look(seen)
                kind = None
                if error is not None:
                    failed("info", error)
                elif seen.get("code", 0) in STANZA_EXISTS:
                    kind = due(intervals, backups, time.time())
                if kind:
                    backup(kind, me, choice)
                elif error is None:
                    with lock:
                        facts["failing"] = False
                    if any(b.get("type") == "full" for b in backups) and drill_due(drill, newest_drill_start(status.get("lastDrill"), record), time.time()):
                        drill_now()
        elif not acting:
            # A member that does not act still reports the repository (a shared volume), so the
            # newest backup stays known when the acting scheduler is gone.
            look()
        status["checkedAt"] = time.time()
        try:
            write_status(cfg["statusFile"], status)
        except OSError as e:
            log(f"cannot write {cfg['statusFile']}: {e}")
        time.sleep(cfg["checkSeconds"])


def main(argv):
    with open(argv[1]) as f:
        cfg = json.load(f)
    if len(argv) == 2:
        run(cfg)
    me, choice = view(cfg)
    if argv[2] == "which":
        print(json.dumps({"member": me, **(choice or {"acting": None})}))
        return 0
    if argv[2] == "backup" and len(argv) == 4 and argv[3] in KINDS:
        if choice is None or choice["acting"] != me:
            print(f"{me} does not take the backups: {choice['acting'] if choice else 'no member (no running primary)'} does", file=sys.stderr)
            return 4
        try:
            holder, code, out = backup_under_lease(cfg, pgscale_dcs.patroni_dcs(PATRONI_CONFIG), argv[3], me, choice)
        except Exception as e:  # noqa: BLE001 - etcd out of reach: no lease, no backup
            print(f"{me} did not start the {argv[3]} backup: the backup lease: {e}", file=sys.stderr)
            return 6
        if holder is not None:
            print(pgscale_dcs.refusal(me, argv[3], holder), file=sys.stderr)
            return 5
        print(out)
        return code
    print(f"usage: {argv[0]} CONFIG [which | backup full|diff|incr]", file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
