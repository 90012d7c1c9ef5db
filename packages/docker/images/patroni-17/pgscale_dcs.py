"""The cluster's DCS (etcd v3, or Patroni's Kubernetes DCS) as pgscale's backup scheduler uses it, beside Patroni.

- A lease-bound key, the backup lease: a member starts a backup only once it has created the key
  (a compare-and-set transaction: the key must not exist), keeps the lease alive while pgBackRest
  runs, and revokes it at the end. Two schedulers that both believe they act for a moment (a
  failover, a switchover, a replica starting or stopping streaming) cannot both back up into the
  repository: pgBackRest's own lock is a file on each member, which another member never sees. A
  scheduler that dies leaves the key for the lease's TTL at most.
- Plain keys every member reads: the last scheduled drill's record, so each member reports it.

etcd is reached as Patroni reaches it, with Patroni's own settings (patroni.yml's etcd3 section:
hosts, protocol, CA, the scope's user and password), through etcd's JSON gateway; the keys live
under Patroni's prefix for the scope (namespace + scope), the only keys the scope's user may touch.
Standard library, and PyYAML (Patroni's own dependency) to read patroni.yml.
"""
import base64
import json
import os
import ssl
import subprocess
import time
import urllib.error
import urllib.request

LEASE_KEY = "pgscale-backup-lease"
DRILL_KEY = "pgscale-backup-drill"


def etcd_settings(patroni):
    """From patroni.yml (parsed): {"endpoints", "caFile", "username", "password", "prefix"}."""
    etcd = patroni.get("etcd3")
    if not etcd:
        raise RuntimeError("patroni.yml has no etcd3 section: the backup lease lives in etcd v3")
    hosts = etcd.get("hosts") or etcd.get("host") or []
    if isinstance(hosts, str):
        hosts = [h.strip() for h in hosts.split(",") if h.strip()]
    protocol = etcd.get("protocol", "http")
    namespace = "/" + patroni.get("namespace", "/service/").strip("/")
    return {
        "endpoints": [f"{protocol}://{h}" for h in hosts], "caFile": etcd.get("cacert"),
        "username": etcd.get("username"), "password": etcd.get("password"),
        "prefix": f"{namespace}/{patroni['scope']}/",
    }


def b64(text):
    return base64.b64encode(text.encode()).decode()


def take_txn(key, value, lease_id):
    """The transaction that creates `key` bound to the lease, only if no one holds it; else reads it."""
    return {
        "compare": [{"key": b64(key), "target": "CREATE", "result": "EQUAL", "create_revision": "0"}],
        "success": [{"request_put": {"key": b64(key), "value": b64(value), "lease": lease_id}}],
        "failure": [{"request_range": {"key": b64(key)}}],
    }


def holder_of(answer):
    """None when the transaction created the key; else the holder's record (as written), or
    {"member": None} when the key was gone again by the time it was read."""
    if answer.get("succeeded"):
        return None
    for response in answer.get("responses", []):
        for kv in response.get("response_range", {}).get("kvs", []):
            try:
                return json.loads(base64.b64decode(kv.get("value", "")).decode())
            except ValueError:
                return {"member": None}
    return {"member": None}


class Etcd:
    """etcd's JSON gateway at the first endpoint that answers, authenticated as the scope's user."""

    def __init__(self, settings, timeout=5):
        self.settings = settings
        self.timeout = timeout
        self.token = None

    def _context(self):
        # Read on each connection, not once: the CA file is kept equal to etcd's trust bundle in
        # place, and after a rotation of etcd's CA a scheduler started before it must trust the new one.
        return ssl.create_default_context(cafile=self.settings["caFile"]) if self.settings.get("caFile") else None

    def _post(self, endpoint, path, body):
        headers = {"Content-Type": "application/json", **({"Authorization": self.token} if self.token else {})}
        req = urllib.request.Request(endpoint + path, data=json.dumps(body).encode(), headers=headers)
        with urllib.request.urlopen(req, timeout=self.timeout, context=self._context()) as res:
            return json.loads(res.read() or b"{}")

    def _authenticate(self, endpoint):
        if not self.settings.get("username"):
            return
        self.token = None
        self.token = self._post(endpoint, "/v3/auth/authenticate", {"name": self.settings["username"], "password": self.settings["password"]})["token"]

    def call(self, path, body):
        errors = []
        for endpoint in self.settings["endpoints"]:
            try:
                if self.token is None:
                    self._authenticate(endpoint)
                try:
                    return self._post(endpoint, path, body)
                except urllib.error.HTTPError as e:
                    # A token etcd no longer knows (expired, or another member's leader): once more with a new one.
                    if e.code != 401 or not self.settings.get("username"):
                        raise RuntimeError(f"etcd {path}: HTTP {e.code}: {e.read().decode(errors='replace')[:300]}") from None
                    self._authenticate(endpoint)
                    return self._post(endpoint, path, body)
            except (OSError, ValueError, KeyError) as e:  # URLError is an OSError: the next endpoint
                self.token = None
                errors.append(f"{endpoint}: {e}")
        raise RuntimeError(f"etcd {path}: no endpoint answered: {'; '.join(errors)}")


class Lease:
    """The backup lease: take(record) -> None (held now) or the holder's record; keep(); release()."""

    def __init__(self, call, key, ttl, clock=time.time):
        self.call = call
        self.key = key
        self.ttl = ttl
        self.clock = clock
        self.id = None
        self.confirmed = 0.0

    def take(self, record):
        lease_id = self.call("/v3/lease/grant", {"TTL": self.ttl})["ID"]
        try:
            holder = holder_of(self.call("/v3/kv/txn", take_txn(self.key, json.dumps(record), lease_id)))
        except Exception:
            self._revoke(lease_id)
            raise
        if holder is not None:
            self._revoke(lease_id)
            return holder
        self.id, self.confirmed = lease_id, self.clock()
        return None

    def keep(self):
        """Renews the lease; False once it is gone (etcd says so, or no renewal for a whole TTL)."""
        if self.id is None:
            return False
        try:
            ttl = int(self.call("/v3/lease/keepalive", {"ID": self.id}).get("result", {}).get("TTL", 0))
        except Exception:  # noqa: BLE001 - etcd out of reach for a moment: the lease may still hold
            return self.clock() - self.confirmed < self.ttl
        if ttl <= 0:
            return False
        self.confirmed = self.clock()
        return True

    def release(self):
        if self.id is not None:
            self._revoke(self.id)
            self.id = None

    def _revoke(self, lease_id):
        try:
            self.call("/v3/lease/revoke", {"ID": lease_id})
        except Exception:  # noqa: BLE001 - the key goes with the lease's TTL anyway
            pass


def put(call, key, value):
    call("/v3/kv/put", {"key": b64(key), "value": b64(value)})


def get(call, key):
    """The key's value, or None."""
    kvs = call("/v3/kv/range", {"key": b64(key)}).get("kvs", [])
    return base64.b64decode(kvs[0].get("value", "")).decode() if kvs else None


def read_patroni(path):
    import yaml  # Patroni's own dependency, in the image beside it
    with open(path) as f:
        return yaml.safe_load(f)


class PatroniEtcd:
    """The cluster's etcd, as patroni.yml names it (read again when the file changes: a rotated
    password), and the keys of the scope there."""

    def __init__(self, path):
        self.path = path
        self.seen = None
        self.etcd = None
        self.prefix = None

    def _load(self):
        seen = os.stat(self.path).st_mtime
        if self.etcd is None or seen != self.seen:
            settings = etcd_settings(read_patroni(self.path))
            self.etcd, self.prefix, self.seen = Etcd(settings), settings["prefix"], seen

    def call(self, method, body):
        self._load()
        return self.etcd.call(method, body)

    def key(self, name):
        """A key of the scope: under Patroni's prefix for it."""
        self._load()
        return self.prefix + name

    def lease(self, name, ttl):
        return Lease(self.call, self.key(name), ttl)

    def get(self, name):
        return get(self.call, self.key(name))

    def put(self, name, value):
        put(self.call, self.key(name), value)


# Patroni's Kubernetes DCS (patroni.yml's `kubernetes` section): no etcd to hold the lease, so it is
# a coordination.k8s.io Lease object named `<scope>-<key>` in Patroni's namespace, reached with the
# member's service account (the PatroniCluster's Role grants it those two objects). Taking it is a
# create (the API server refuses a second one: 409), or the update of an expired one guarded by its
# resourceVersion; keeping it, an update guarded the same way; releasing it, a delete. Plain values
# (the drill's record) are an annotation of a Lease object of their own.

SERVICE_ACCOUNT = "/var/run/secrets/kubernetes.io/serviceaccount"
VALUE_ANNOTATION = "pgscale.io/value"


def micro_time(epoch):
    """Kubernetes' MicroTime."""
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(epoch)) + f".{int((epoch % 1) * 1e6):06d}Z"


def parse_micro_time(text):
    import calendar
    whole, _, frac = text.rstrip("Z").partition(".")
    return calendar.timegm(time.strptime(whole, "%Y-%m-%dT%H:%M:%S")) + (float("0." + frac) if frac else 0.0)


class KubernetesApi:
    """The API server as a pod reaches it: its Service's address, the pod's service account token (read
    at each call: the kubelet rotates it) and CA. request(method, path, body) -> (HTTP status, document)."""

    def __init__(self, timeout=5):
        self.base = f"https://{os.environ['KUBERNETES_SERVICE_HOST']}:{os.environ.get('KUBERNETES_SERVICE_PORT', '443')}"
        self.context = ssl.create_default_context(cafile=f"{SERVICE_ACCOUNT}/ca.crt")
        self.timeout = timeout

    def request(self, method, path, body=None):
        with open(f"{SERVICE_ACCOUNT}/token") as f:
            token = f.read().strip()
        data = json.dumps(body).encode() if body is not None else None
        req = urllib.request.Request(self.base + path, data=data, method=method,
                                     headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json", "Accept": "application/json"})
        try:
            with urllib.request.urlopen(req, timeout=self.timeout, context=self.context) as res:
                return res.status, json.loads(res.read() or b"{}")
        except urllib.error.HTTPError as e:
            return e.code, json.loads(e.read() or b"{}") if e.headers.get("Content-Type", "").startswith("application/json") else {}


class KubernetesLease:
    """The backup lease as a Lease object: take(record) -> None (held now) or the holder's record; keep(); release()."""

    def __init__(self, request, path, name, ttl, clock=time.time):
        self.request = request
        self.path = path
        self.name = name
        self.ttl = ttl
        self.clock = clock
        self.object = None
        self.confirmed = 0.0

    def _body(self, record, version=None):
        now = micro_time(self.clock())
        meta = {"name": self.name, "annotations": {VALUE_ANNOTATION: json.dumps(record)}, **({"resourceVersion": version} if version else {})}
        return {"apiVersion": "coordination.k8s.io/v1", "kind": "Lease", "metadata": meta,
                "spec": {"holderIdentity": str(record.get("member")), "leaseDurationSeconds": self.ttl, "acquireTime": now, "renewTime": now}}

    def _expired(self, lease):
        spec = lease.get("spec", {})
        renewed = spec.get("renewTime") or spec.get("acquireTime")
        return renewed is None or parse_micro_time(renewed) + spec.get("leaseDurationSeconds", self.ttl) < self.clock()

    def _check(self, status, doc, what):
        if status >= 300:
            raise RuntimeError(f"Lease {self.name}: {what}: HTTP {status}: {doc.get('message', '')}".rstrip(": "))

    def take(self, record):
        status, doc = self.request("POST", self.path, self._body(record))
        if status == 409:
            status, doc = self.request("GET", f"{self.path}/{self.name}")
            if status == 404:
                return {"member": None}
            self._check(status, doc, "read")
            if not self._expired(doc):
                return holder_of_lease(doc)
            # Its holder died without releasing it: take it over, unless another member just did.
            status, doc = self.request("PUT", f"{self.path}/{self.name}", self._body(record, doc["metadata"]["resourceVersion"]))
            if status in (404, 409):
                return {"member": None}
        self._check(status, doc, "take")
        self.object, self.confirmed = doc, self.clock()
        return None

    def keep(self):
        """Renews the lease; False once it is gone (deleted or taken over, or no renewal for a whole TTL)."""
        if self.object is None:
            return False
        renewed = {**self.object, "spec": {**self.object["spec"], "renewTime": micro_time(self.clock())}}
        try:
            status, doc = self.request("PUT", f"{self.path}/{self.name}", renewed)
        except Exception:  # noqa: BLE001 - the API server out of reach for a moment: the lease may still hold
            return self.clock() - self.confirmed < self.ttl
        if status in (404, 409):
            self.object = None
            return False
        if status >= 300:
            return self.clock() - self.confirmed < self.ttl
        self.object, self.confirmed = doc, self.clock()
        return True

    def release(self):
        if self.object is not None:
            try:
                self.request("DELETE", f"{self.path}/{self.name}", {"preconditions": {"resourceVersion": self.object["metadata"]["resourceVersion"]}})
            except Exception:  # noqa: BLE001 - it expires with its duration anyway
                pass
            self.object = None


def holder_of_lease(lease):
    try:
        return json.loads(lease.get("metadata", {}).get("annotations", {}).get(VALUE_ANNOTATION, ""))
    except ValueError:
        return {"member": lease.get("spec", {}).get("holderIdentity")}


class PatroniKubernetes:
    """The Lease objects of the scope in Patroni's namespace (patroni.yml's kubernetes section)."""

    def __init__(self, patroni, request):
        namespace = patroni.get("kubernetes", {}).get("namespace") or "default"
        self.scope = patroni["scope"]
        self.request = request
        self.path = f"/apis/coordination.k8s.io/v1/namespaces/{namespace}/leases"

    def name(self, key):
        return f"{self.scope}-{key}"

    def lease(self, key, ttl):
        return KubernetesLease(self.request, self.path, self.name(key), ttl)

    def get(self, key):
        status, doc = self.request("GET", f"{self.path}/{self.name(key)}")
        if status == 404:
            return None
        if status >= 300:
            raise RuntimeError(f"Lease {self.name(key)}: read: HTTP {status}")
        return doc.get("metadata", {}).get("annotations", {}).get(VALUE_ANNOTATION)

    def put(self, key, value):
        name = self.name(key)
        meta = {"name": name, "annotations": {VALUE_ANNOTATION: value}}
        status, doc = self.request("GET", f"{self.path}/{name}")
        if status == 404:
            status, doc = self.request("POST", self.path, {"apiVersion": "coordination.k8s.io/v1", "kind": "Lease", "metadata": meta, "spec": {}})
        elif status < 300:
            status, doc = self.request("PUT", f"{self.path}/{name}", {**doc, "metadata": {**doc["metadata"], **meta}})
        if status >= 300:
            raise RuntimeError(f"Lease {name}: write: HTTP {status}")


def patroni_dcs(path, request=None):
    """The DCS patroni.yml at `path` names: its etcd (PatroniEtcd), or Patroni's Kubernetes DCS."""
    patroni = read_patroni(path)
    if patroni.get("kubernetes") is not None and not patroni.get("etcd3"):
        return PatroniKubernetes(patroni, request or KubernetesApi().request)
    return PatroniEtcd(path)


def iso(epoch):
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(epoch))


def refusal(me, kind, holder):
    """What a member says of a due backup it did not start, naming the lease's holder."""
    since = f" since {iso(holder['startedAt'])}" if holder.get("startedAt") else ""
    what = f" ({holder['kind']} backup{since})" if holder.get("kind") else ""
    return f"{me} did not start the {kind} backup: the backup lease is held by {holder.get('member') or 'another member'}{what}"


def run_holding(lease, argv, every):
    """Runs argv, renewing the lease every `every` seconds; stops it if the lease is lost (another
    member may take it then). (exit code, output)."""
    proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    lost = False
    while True:
        try:
            out, _ = proc.communicate(timeout=every)
            break
        except subprocess.TimeoutExpired:
            if not lost and not lease.keep():
                lost = True
                proc.terminate()
    if lost:
        return proc.returncode or 1, (out or "").strip() + "\nstopped: the backup lease was lost (etcd out of reach for its TTL), so another member may back up now"
    return proc.returncode, (out or "").strip()
