#!/usr/bin/env bash
# The HA baseline: the topology of PatroniCluster + HAProxyFrontend (1 etcd member, N Patroni nodes,
# HAProxy routing by Patroni's health checks) made by hand with plain `docker run`/`docker cp` and
# static configuration, from the same images. What a user would write instead of pgscale.
# Usage: up.sh PREFIX NODES   (prints HAProxy's primary port); down.sh PREFIX removes it.
# With FRONTEND=none (and one node), no HAProxy: the member's PostgreSQL port is published on
# loopback and printed, as startPostgres() gives its clients the node's published port.
# The work is set from the environment so a benchmark gives both sides the same settings:
#   TTL, LOOP_WAIT, RETRY_TIMEOUT   Patroni timings (default 30, 10, 10: Patroni's and pgscale's defaults)
#   PARAMS      DCS postgresql parameters as `k=v,k=v` (default: pgscale's replication defaults, max_connections 200)
#   CHECK       HAProxy check as `inter_ms,fall,rise` (default 2000,3,2)
#   DATA_TMPFS  1: data directories on tmpfs (what profile "fast" does), else named volumes
#   LOCKED      1: the cluster as pgscale locks it by default: etcd over TLS (client and peer,
#               a CA made here with openssl) with authentication (root, and a user limited to the
#               scope's keys), Patroni's REST API over HTTPS, HAProxy's checks verifying it, and
#               PostgreSQL requiring TLS (hostssl only, plaintext rejected; replication verify-full)
set -euo pipefail
P=${1:-pgbase}; N=${2:-3}
# The images pgscale's constructs use by default (or ETCD_IMAGE, PATRONI_IMAGE, HAPROXY_IMAGE, POSTGRES_VERSION).
eval "$(node "$(dirname "$0")/images.js")"
TTL=${TTL:-30}; LOOP_WAIT=${LOOP_WAIT:-10}; RETRY_TIMEOUT=${RETRY_TIMEOUT:-10}
PARAMS=${PARAMS:-wal_level=replica,hot_standby=on,max_wal_senders=10,max_replication_slots=10,wal_keep_size=1GB,password_encryption=scram-sha-256,wal_log_hints=on,max_connections=200}
IFS=, read -r INTER FALL RISE <<<"${CHECK:-2000,3,2}"
PW=baseline-password
params=""
IFS=, read -ra kv <<<"$PARAMS"
for p in "${kv[@]}"; do params="$params        ${p%%=*}: \"${p#*=}\"\n"; done
LOCKED=${LOCKED:-0}
FRONTEND=${FRONTEND:-haproxy}
if [ "$FRONTEND" = none ] && [ "$N" != 1 ]; then echo "up.sh: FRONTEND=none is for one node" >&2; exit 2; fi
publish=(); [ "$FRONTEND" = none ] && publish=(-p 127.0.0.1::5432)
docker network create --label pgscale.bench="$P" "$P-net" >/dev/null
if [ "$LOCKED" = 1 ]; then
  tls=$(mktemp -d)
  openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -keyout "$tls/ca.key" -out "$tls/ca.crt" -days 30 -subj "/CN=$P CA" 2>/dev/null
  # cert NAME SAN: a key and a certificate signed by the CA (server and client use: etcd's peers show theirs).
  cert() {
    openssl req -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -keyout "$tls/$1.key" -out "$tls/$1.csr" -subj "/CN=$1" 2>/dev/null
    printf 'subjectAltName=%s\nextendedKeyUsage=serverAuth,clientAuth\n' "$2" > "$tls/$1.ext"
    openssl x509 -req -in "$tls/$1.csr" -CA "$tls/ca.crt" -CAkey "$tls/ca.key" -CAcreateserial -days 30 -extfile "$tls/$1.ext" -out "$tls/$1.crt" 2>/dev/null
    chmod 0644 "$tls/$1.key"
  }
  cert etcd "DNS:etcd,IP:127.0.0.1"
  docker create --name "$P-etcd" --label pgscale.bench="$P" --network "$P-net" --network-alias etcd "$ETCD_IMAGE" \
    etcd --name etcd --data-dir /var/lib/etcd/data --listen-client-urls https://0.0.0.0:2379 --advertise-client-urls https://etcd:2379 \
    --listen-peer-urls https://0.0.0.0:2380 --initial-advertise-peer-urls https://etcd:2380 --initial-cluster etcd=https://etcd:2380 \
    --cert-file /tmp/tls/etcd.crt --key-file /tmp/tls/etcd.key --peer-cert-file /tmp/tls/etcd.crt --peer-key-file /tmp/tls/etcd.key \
    --peer-trusted-ca-file /tmp/tls/ca.crt --peer-client-cert-auth >/dev/null
  mkdir -p "$tls/etcd-files" && cp "$tls/ca.crt" "$tls/etcd.crt" "$tls/etcd.key" "$tls/etcd-files/" && chmod 0755 "$tls/etcd-files"
  docker cp "$tls/etcd-files" "$P-etcd:/tmp/tls"
  docker start "$P-etcd" >/dev/null
  e="etcdctl --endpoints=https://127.0.0.1:2379 --cacert=/tmp/tls/ca.crt --command-timeout=5s"
  for _ in $(seq 600); do docker exec "$P-etcd" $e endpoint status >/dev/null 2>&1 && break; sleep 0.1; done
  docker exec "$P-etcd" sh -c "echo $PW | $e user add root --interactive=false && $e role add root && $e user grant-role root root \
    && $e role add patroni && $e role grant-permission patroni readwrite /service/$P/ --prefix \
    && echo $PW | $e user add patroni --interactive=false && $e user grant-role patroni patroni && $e auth enable" >/dev/null
  store="etcd3: { hosts: [etcd:2379], protocol: https, cacert: /etc/patroni/tls/ca.crt, username: patroni, password: $PW }"
  rest="restapi: { listen: 0.0.0.0:8008, connect_address: pgNAME:8008, certfile: /etc/patroni/tls/pgNAME.crt, keyfile: /var/run/postgresql/server.key, cafile: /etc/patroni/tls/ca.crt }"
  hba='"local all all peer", "hostnossl all all all reject", "hostssl replication replicator all scram-sha-256", "hostssl all all all scram-sha-256"'
  ssl="ssl: \"on\", ssl_cert_file: /etc/patroni/tls/pgNAME.crt, ssl_key_file: /var/run/postgresql/server.key, ssl_min_protocol_version: TLSv1.2, "
  repl=", sslmode: verify-full, sslrootcert: /etc/patroni/tls/ca.crt"
else
  docker run -d --name "$P-etcd" --label pgscale.bench="$P" --network "$P-net" --network-alias etcd "$ETCD_IMAGE" \
    etcd --name etcd --data-dir /var/lib/etcd/data --listen-client-urls http://0.0.0.0:2379 --advertise-client-urls http://etcd:2379 \
    --listen-peer-urls http://0.0.0.0:2380 --initial-advertise-peer-urls http://etcd:2380 --initial-cluster etcd=http://etcd:2380 >/dev/null
  store="etcd3: { hosts: [etcd:2379] }"
  rest="restapi: { listen: 0.0.0.0:8008, connect_address: pgNAME:8008 }"
  hba='"local all all peer", "host replication replicator all scram-sha-256", "host all all all scram-sha-256"'
  ssl=""; repl=""
fi
hosts=""
for i in $(seq 0 $((N-1))); do
  if [ "${DATA_TMPFS:-0}" = 1 ]; then
    data=(--tmpfs "/var/lib/postgresql/data:uid=${PG_UID:-$(docker run --rm --entrypoint id "$PATRONI_IMAGE" -u postgres)},mode=0700")
  else
    docker volume create --label pgscale.bench="$P" "$P-pg$i" >/dev/null
    data=(-v "$P-pg$i:/var/lib/postgresql/data")
  fi
  cfg=$(mktemp)
  printf '%s\n' "scope: $P" "namespace: /service/" "name: pg$i" \
    "${rest//NAME/$i}" "$store" "bootstrap:" "  dcs:" \
    "    ttl: $TTL" "    loop_wait: $LOOP_WAIT" "    retry_timeout: $RETRY_TIMEOUT" "    maximum_lag_on_failover: 1048576" \
    "    postgresql:" "      use_pg_rewind: true" "      use_slots: true" "      parameters:" > "$cfg"
  printf "$params" >> "$cfg"
  cat >> "$cfg" <<YML
      pg_hba: [$hba]
  initdb: [{ encoding: UTF8 }, { locale: C.UTF-8 }, data-checksums]
postgresql:
  listen: 0.0.0.0:5432
  connect_address: pg$i:5432
  data_dir: $PG_DATA_DIR
  bin_dir: $PG_BIN_DIR
  pgpass: /tmp/pgpass0
  authentication:
    superuser: { username: postgres, password: $PW }
    replication: { username: replicator, password: $PW$repl }
    rewind: { username: rewind, password: $PW$repl }
  parameters: { ${ssl//NAME/$i}unix_socket_directories: /var/run/postgresql }
  basebackup: [{ checkpoint: fast }]
YML
  # Locked: PostgreSQL takes a key only its owner can read, so the member starts by installing a 0600
  # copy of it, as pgscale's members do.
  start=(); [ "$LOCKED" = 1 ] && start=(sh -c "install -m 0600 /etc/patroni/tls/pg$i.key /var/run/postgresql/server.key && exec patroni /etc/patroni/patroni.yml")
  docker create --name "$P-pg$i" --label pgscale.bench="$P" --network "$P-net" --network-alias "pg$i" --user postgres \
    "${data[@]}" "${publish[@]}" --shm-size 256m "$PATRONI_IMAGE" "${start[@]}" >/dev/null
  chmod 0644 "$cfg"; docker cp "$cfg" "$P-pg$i:/etc/patroni/patroni.yml" && rm -f "$cfg"
  check=""
  if [ "$LOCKED" = 1 ]; then
    cert "pg$i" "DNS:pg$i,DNS:localhost,IP:127.0.0.1"
    mkdir -p "$tls/pg$i-files" && cp "$tls/ca.crt" "$tls/pg$i.crt" "$tls/pg$i.key" "$tls/pg$i-files/" && chmod 0755 "$tls/pg$i-files"
    docker cp "$tls/pg$i-files" "$P-pg$i:/etc/patroni/tls"
    check=" check-ssl check-sni pg$i verify required ca-file /etc/haproxy/ca.crt verifyhost pg$i"
  fi
  docker start "$P-pg$i" >/dev/null
  hosts="$hosts    server pg$i pg$i:5432 check port 8008$check\n"
done
if [ "$FRONTEND" = none ]; then
  [ "$LOCKED" = 1 ] && rm -rf "$tls"
  docker port "$P-pg0" 5432/tcp | head -1 | sed 's/.*://'
  exit 0
fi
cfg=$(mktemp)
printf 'global\n    maxconn 2000\nresolvers docker\n    nameserver dns 127.0.0.11:53\ndefaults\n    mode tcp\n    timeout connect 4s\n    timeout client 30m\n    timeout server 30m\n    default-server inter %sms fall %s rise %s on-marked-down shutdown-sessions resolvers docker init-addr last,libc,none\nlisten primary\n    bind *:5000\n    option httpchk GET /primary\n    http-check expect status 200\n%blisten replicas\n    bind *:5001\n    balance roundrobin\n    option httpchk GET /replica\n    http-check expect status 200\n%b' "$INTER" "$FALL" "$RISE" "$hosts" "$hosts" > "$cfg"
docker create --name "$P-haproxy" --label pgscale.bench="$P" --network "$P-net" -p 127.0.0.1::5000 -p 127.0.0.1::5001 "$HAPROXY_IMAGE" >/dev/null
chmod 0644 "$cfg"; docker cp "$cfg" "$P-haproxy:/etc/haproxy/haproxy.cfg" && rm -f "$cfg"
if [ "$LOCKED" = 1 ]; then chmod 0644 "$tls/ca.crt"; docker cp "$tls/ca.crt" "$P-haproxy:/etc/haproxy/ca.crt"; rm -rf "$tls"; fi
docker start "$P-haproxy" >/dev/null
docker port "$P-haproxy" 5000/tcp | head -1 | sed 's/.*://'
