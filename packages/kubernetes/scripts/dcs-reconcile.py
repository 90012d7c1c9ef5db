"""Brings a Patroni cluster's DCS document to the stack's values from inside the cluster.

Run by the PatroniCluster's reconcile Job (python3 from the Patroni image, standard library only):
  python3 dcs-reconcile.py /etc/pgscale/job.json
job.json: {"members": [{"name", "restUrl"}], "username", "password", "config", "timeoutSeconds"}.
The same steps as @pgscale/postgres PatroniDynamicConfig, which needs REST access from where
`pulumi up` runs: wait until a leader runs and every replica streams, PATCH /config when a managed
key differs, then restart members pending a restart, replicas first and the leader last.
"""
import base64
import json
import sys
import time
import urllib.error
import urllib.request


class Patroni:
    def __init__(self, job):
        self.members = job["members"]
        token = base64.b64encode(f"{job['username']}:{job['password']}".encode()).decode()
        self.headers = {"content-type": "application/json", "authorization": "Basic " + token}

    def call(self, method, path, body=None, only=None):
        """Calls the first member that answers (or `only`); unsafe endpoints must answer 2xx."""
        last = RuntimeError("no Patroni member configured")
        for url in [only] if only else [m["restUrl"] for m in self.members]:
            data = None if body is None else json.dumps(body).encode()
            req = urllib.request.Request(url + path, data=data, method=method, headers=self.headers)
            try:
                with urllib.request.urlopen(req, timeout=5) as res:
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


def is_leader(m):
    return m.get("role") in ("leader", "master", "primary", "standby_leader")


def wait_for_cluster(api, timeout):
    """Waits until a leader runs, every member runs, and every replica streams from the leader."""
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
                if streaming >= want - 1:
                    return members
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


def bool_equal(want, have):
    # Python's str(True) is "True" where TypeScript's String(true) is "true".
    return isinstance(want, bool) and str(have).lower() == str(want).lower()


def reconcile(job):
    api = Patroni(job)
    timeout = int(job.get("timeoutSeconds", 300))
    wait_for_cluster(api, timeout)
    live = api.call("GET", "/config")
    if not differs(job["config"], live):
        log("DCS configuration is up to date")
        return
    # PATCH merges into the DCS document; every member applies it within one loop_wait.
    api.call("PATCH", "/config", job["config"])
    log("patched the DCS configuration")
    time.sleep(int((live or {}).get("loop_wait", 10)) + 1)
    # Parameters such as shared_buffers only take effect after a restart: replicas first, leader last.
    deadline = time.time() + timeout
    while time.time() < deadline:
        members = (api.call("GET", "/cluster") or {}).get("members", [])
        pending = sorted((m for m in members if m.get("pending_restart")), key=is_leader)
        if not pending:
            return
        for m in pending:
            restart(api, m["name"], deadline)
            wait_for_cluster(api, timeout)
    raise RuntimeError(f"Patroni members still pending restart after {timeout}s")


def restart(api, name, deadline):
    """Restarts one member, then waits until /cluster, which lags up to one loop_wait, shows it done."""
    url = api.url_of(name)
    if not url:
        raise RuntimeError(f"Patroni member {name} is not one this stack manages")
    log(f"restarting {name} (pending restart)")
    try:
        api.call("POST", "/restart", {"restart_pending": True}, only=url)
    except RuntimeError as e:
        # Patroni answers 503 when nothing is pending any more: the restart already happened.
        if "restart conditions are not satisfied" not in str(e):
            raise
    while time.time() < deadline:
        members = (api.call("GET", "/cluster") or {}).get("members", [])
        if not any(m["name"] == name and m.get("pending_restart") for m in members):
            return
        time.sleep(1)


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
