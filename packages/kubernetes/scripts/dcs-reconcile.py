"""Brings a Patroni cluster's DCS document to the stack's values from inside the cluster.

Run by the PatroniCluster's reconcile Job (python3 from the Patroni image, standard library only):
  python3 dcs-reconcile.py /etc/pgscale/job.json
job.json: {"members": [{"name", "restUrl"}], "username", "password", "config", "timeoutSeconds", "caPem"?}.
With caPem, the members' https certificates must chain to it and name the URL's host.
The same steps as @pgscale/postgres PatroniDynamicConfig, which needs REST access from where
`pulumi up` runs: wait until a leader runs and every replica streams, PATCH /config when a managed
key differs, then restart members pending a restart, replicas first and the leader last, and in
synchronous mode wait until Patroni names a synchronous standby.
"""
import base64
import json
import ssl
import sys
import time
import urllib.error
import urllib.request


class Patroni:
    def __init__(self, job):
        self.members = job["members"]
        token = base64.b64encode(f"{job['username']}:{job['password']}".encode()).decode()
        self.headers = {"content-type": "application/json", "authorization": "Basic " + token}
        self.context = ssl.create_default_context(cadata=job["caPem"]) if job.get("caPem") else None

    def call(self, method, path, body=None, only=None):
        """Calls the first member that answers (or `only`); unsafe endpoints must answer 2xx."""
        last = RuntimeError("no Patroni member configured")
        for url in [only] if only else [m["restUrl"] for m in self.members]:
            data = None if body is None else json.dumps(body).encode()
            req = urllib.request.Request(url + path, data=data, method=method, headers=self.headers)
            try:
                with urllib.request.urlopen(req, timeout=5, context=self.context) as res:
                    return parse(res.read())
            except urllib.error.HTTPError as e:
                # GET /patroni answers 503 on a member that is not running yet, with a useful body.
                if method == "GET":
                    return parse(e.read())
                last = RuntimeError(f"Patroni {method} {path} on {url}: HTTP {e.code} {e.read()[:300]!r}")
            except OSError as e:
                last = e
        raise last

    def url_of(self, name):
        return next((m["restUrl"] for m in self.members if m["name"] == name), None)


def parse(raw):
    try:
        return json.loads(raw)
    except ValueError:
        return raw.decode(errors="replace")


# @pgscale/core PATRONI_WAKE_PATCH: a null for a key the DCS document never has. Patroni writes
# nothing and wakes the HA loop of the member that took it.
WAKE_PATCH = {"pgscale_wake": None}


def is_leader(m):
    return m.get("role") in ("leader", "master", "primary", "standby_leader")


def wait_for_cluster(api, timeout, synchronous_mode=False):
    """Waits until a leader runs, every member runs, and every replica streams from the leader; in
    synchronous mode (true or "quorum") also until /sync names a synchronous standby, without which
    no replica may take over (@pgscale/core clusterReady)."""
    synchronous = synchronous_mode is True or synchronous_mode == "quorum"
    deadline = time.time() + timeout
    want = len(api.members)
    status = "no answer from any member"
    while time.time() < deadline:
        try:
            members = (api.call("GET", "/cluster") or {}).get("members", [])
            leader = next((m for m in members if is_leader(m)), None)
            running = sum(1 for m in members if m.get("state") in ("running", "streaming"))
            status = f"{len(members)}/{want} members, {running} running, leader {leader and leader['name']}"
            leader_url = leader and api.url_of(leader["name"])
            if leader_url and running >= want:
                # /patroni on the leader carries pg_stat_replication.
                replication = (api.call("GET", "/patroni", only=leader_url) or {}).get("replication") or []
                streaming = sum(1 for r in replication if r.get("state") == "streaming")
                status += f", {streaming}/{want - 1} replicas streaming"
                named = any(m.get("role") in ("sync_standby", "quorum_standby") for m in members)
                if synchronous and want > 1 and not named:
                    status += ", no synchronous standby in /sync yet"
                elif streaming >= want - 1:
                    return members
            if leader_url:
                # @pgscale/core leaderToWake: much of what a forming cluster waits for is the
                # leader's loop's to do (a replica's slot, /sync): run it now rather than after
                # loop_wait, with a PATCH /config that changes nothing (PATRONI_WAKE_PATCH).
                try:
                    api.call("PATCH", "/config", WAKE_PATCH, only=leader_url)
                except Exception:  # noqa: BLE001 - a failed wake changes nothing; the next may work
                    pass
        except Exception as e:  # noqa: BLE001 - any failure is retried until the deadline
            status = repr(e)
        log(f"waiting: {status}")
        time.sleep(2)
    raise RuntimeError(f"Patroni cluster not ready after {timeout}s: {status}")


def differs(want, have):
    """True when any managed key differs; Patroni reports numbers and booleans as it stores them."""
    if isinstance(want, dict):
        return any(differs(v, (have or {}).get(k) if isinstance(have, dict) else None) for k, v in want.items())
    return json.dumps(want) != json.dumps(have) and str(want) != str(have) and not bool_equal(want, have)


# Sections of the DCS document the stack declares whole (@pgscale/core WHOLE_DCS_MAPS): PATCH /config
# merges, so an entry the stack dropped is named with None (null), which removes it.
WHOLE_DCS_MAPS = ("slots",)


def dcs_patch(want, live):
    """@pgscale/core dcsPatch: the stack's document plus a null for each entry of a whole map it dropped."""
    patch = dict(want)
    for key in WHOLE_DCS_MAPS:
        have = live.get(key) if isinstance(live, dict) else None
        if key not in want or not isinstance(have, dict):
            continue
        declared = want.get(key) or {}
        removed = [k for k in have if k not in declared]
        if removed:
            patch[key] = {**declared, **{k: None for k in removed}}
    return patch


def is_on(value):
    """Patroni reads failsafe_mode with parse_bool: a document edited by hand may say "on"."""
    return value is True or (isinstance(value, str) and value.strip().lower() in ("true", "on", "yes", "1"))


def switches_failsafe_off(patch, live):
    """@pgscale/core switchesFailsafeOff: members that loaded failsafe_mode off refuse the leader's
    POST /failsafe, so a leader that cannot read the DCS then demotes itself."""
    return isinstance(live, dict) and is_on(live.get("failsafe_mode")) and "failsafe_mode" in patch and not is_on(patch["failsafe_mode"])


def bool_equal(want, have):
    # Python's str(True) is "True" where TypeScript's String(true) is "true".
    return isinstance(want, bool) and str(have).lower() == str(want).lower()


def statuses(api):
    """Each member's own GET /patroni, live (None when it does not answer)."""
    out = {}
    for m in api.members:
        try:
            doc = api.call("GET", "/patroni", only=m["restUrl"])
        except Exception:  # noqa: BLE001 - a member that does not answer is reported as such
            doc = None
        out[m["name"]] = doc if isinstance(doc, dict) else None
    return out


def config_applied(samples):
    """@pgscale/core configApplied: dcs_last_seen changed twice since the PATCH returned, so the
    HA cycle that loaded the new document, and the reload at its end, has finished."""
    stamps = [s for s in samples if isinstance(s, (int, float))]
    return sum(1 for a, b in zip(stamps, stamps[1:]) if b > a) >= 2


def until_applied(api, timeout, what="did not apply the configuration"):
    """Until every member ran two HA cycles that read the DCS. Samples only GET /patroni: /cluster
    and /config would reload a member's DCS view themselves."""
    samples = {m["name"]: [] for m in api.members}
    deadline = time.time() + timeout
    while True:
        now = statuses(api)
        for name, doc in now.items():
            if doc is not None:
                samples[name].append(doc.get("dcs_last_seen"))
        waiting = [name for name, s in samples.items() if not config_applied(s)]
        if not waiting:
            return now
        if time.time() >= deadline:
            raise RuntimeError(f"Patroni members {what} in {timeout}s: {', '.join(waiting)}")
        time.sleep(0.25)


def pending_restarts(now):
    """@pgscale/core pendingRestarts: replicas first, the leader last."""
    pending = [(name, doc) for name, doc in now.items() if doc and doc.get("pending_restart")]
    return [name for name, doc in sorted(pending, key=lambda p: is_leader(p[1]))]


def reconcile(job):
    api = Patroni(job)
    timeout = int(job.get("timeoutSeconds", 300))
    wait_for_cluster(api, timeout)
    live = api.call("GET", "/config")
    patch = dcs_patch(job["config"], live)
    if differs(patch, live):
        # A leader that cannot read the DCS lives on failsafe; switching it off then demotes it.
        if switches_failsafe_off(patch, live):
            until_applied(api, timeout, "did not all read the DCS, so failsafe_mode stays on (switching it off would demote a leader that cannot reach the DCS)")
        apply(api, patch, timeout)
    else:
        log("DCS configuration is up to date")
    # Last, and with the document's synchronous_mode in force: ready means a failover is possible.
    wait_for_cluster(api, timeout, job["config"].get("synchronous_mode"))


def patch_config(api, patch, timeout):
    """PATCH /config through the first member that takes it. Patroni ends the request with no answer
    when it cannot read the DCS (etcd regaining its quorum, a token to renew), so a request no member
    answered is tried again until the deadline; an HTTP error is final."""
    deadline = time.time() + timeout
    while True:
        try:
            return api.call("PATCH", "/config", patch)
        except OSError as e:
            if time.time() >= deadline:
                raise
            log(f"PATCH /config: no member answered ({e}); trying again")
            time.sleep(1)


def apply(api, patch, timeout):
    """PATCHes the document, waits until every member applied it, and restarts those that need it."""
    # PATCH merges into the DCS document (dcs_patch names dropped entries with null); each member
    # applies it at the end of its next HA cycle.
    patch_config(api, patch, timeout)
    log("patched the DCS configuration")
    now = until_applied(api, timeout)
    log("every member applied it")
    # Parameters such as shared_buffers only take effect after a restart: replicas first, leader last.
    deadline = time.time() + timeout
    while time.time() < deadline:
        pending = pending_restarts(now)
        if not pending:
            return
        for name in pending:
            restart(api, name)
            wait_for_cluster(api, timeout)
        # A restart clears the member's live pending_restart; read them again.
        now = statuses(api)
    raise RuntimeError(f"Patroni members still pending restart after {timeout}s")


def restart(api, name):
    """POST /restart returns once the member's PostgreSQL runs again."""
    url = api.url_of(name)  # statuses() reads exactly the job's members
    log(f"restarting {name} (pending restart)")
    try:
        api.call("POST", "/restart", {"restart_pending": True}, only=url)
    except RuntimeError as e:
        # Patroni answers 503 when nothing is pending any more: the restart already happened.
        if "restart conditions are not satisfied" not in str(e):
            raise


def log(message):
    print(message, flush=True)


if __name__ == "__main__":
    with open(sys.argv[1]) as f:
        job_doc = json.load(f)
    try:
        reconcile(job_doc)
    except Exception as e:  # noqa: BLE001 - the Job's log and exit status are the report
        log(f"error: {e}")
        sys.exit(1)
