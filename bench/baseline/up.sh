#!/usr/bin/env bash
# The HA baseline: the topology of PatroniCluster + HAProxyFrontend (1 etcd member, N Patroni nodes,
# HAProxy routing by Patroni's health checks) made by hand with plain `docker run`/`docker cp` and
# static configuration, from the same images. What a user would write instead of pgscale.
# Usage: up.sh PREFIX NODES   (prints HAProxy's primary port); down.sh PREFIX removes it.
# The work is set from the environment so a benchmark gives both sides the same settings:
#   TTL, LOOP_WAIT, RETRY_TIMEOUT   Patroni timings (default 30, 10, 10: Patroni's and pgscale's defaults)
#   PARAMS      DCS postgresql parameters as `k=v,k=v` (default: pgscale's replication defaults, max_connections 200)
#   CHECK       HAProxy check as `inter_ms,fall,rise` (default 2000,3,2)
#   DATA_TMPFS  1: data directories on tmpfs (what profile "fast" does), else named volumes
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
docker network create --label pgscale.bench="$P" "$P-net" >/dev/null
docker run -d --name "$P-etcd" --label pgscale.bench="$P" --network "$P-net" --network-alias etcd "$ETCD_IMAGE" \
  etcd --name etcd --data-dir /var/lib/etcd/data --listen-client-urls http://0.0.0.0:2379 --advertise-client-urls http://etcd:2379 \
  --listen-peer-urls http://0.0.0.0:2380 --initial-advertise-peer-urls http://etcd:2380 --initial-cluster etcd=http://etcd:2380 >/dev/null
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
    "restapi: { listen: 0.0.0.0:8008, connect_address: pg$i:8008 }" "etcd3: { hosts: [etcd:2379] }" "bootstrap:" "  dcs:" \
    "    ttl: $TTL" "    loop_wait: $LOOP_WAIT" "    retry_timeout: $RETRY_TIMEOUT" "    maximum_lag_on_failover: 1048576" \
    "    postgresql:" "      use_pg_rewind: true" "      use_slots: true" "      parameters:" > "$cfg"
  printf "$params" >> "$cfg"
  cat >> "$cfg" <<YML
      pg_hba: ["local all all peer", "host replication replicator all scram-sha-256", "host all all all scram-sha-256"]
  initdb: [{ encoding: UTF8 }, { locale: C.UTF-8 }, data-checksums]
postgresql:
  listen: 0.0.0.0:5432
  connect_address: pg$i:5432
  data_dir: $PG_DATA_DIR
  bin_dir: $PG_BIN_DIR
  pgpass: /tmp/pgpass0
  authentication:
    superuser: { username: postgres, password: $PW }
    replication: { username: replicator, password: $PW }
    rewind: { username: rewind, password: $PW }
  parameters: { unix_socket_directories: /var/run/postgresql }
  basebackup: [{ checkpoint: fast }]
YML
  docker create --name "$P-pg$i" --label pgscale.bench="$P" --network "$P-net" --network-alias "pg$i" --user postgres \
    "${data[@]}" --shm-size 256m "$PATRONI_IMAGE" >/dev/null
  chmod 0644 "$cfg"; docker cp "$cfg" "$P-pg$i:/etc/patroni/patroni.yml" && rm -f "$cfg"
  docker start "$P-pg$i" >/dev/null
  hosts="$hosts    server pg$i pg$i:5432 check port 8008\n"
done
cfg=$(mktemp)
printf 'global\n    maxconn 2000\nresolvers docker\n    nameserver dns 127.0.0.11:53\ndefaults\n    mode tcp\n    timeout connect 4s\n    timeout client 30m\n    timeout server 30m\n    default-server inter %sms fall %s rise %s on-marked-down shutdown-sessions resolvers docker init-addr last,libc,none\nlisten primary\n    bind *:5000\n    option httpchk GET /primary\n    http-check expect status 200\n%blisten replicas\n    bind *:5001\n    balance roundrobin\n    option httpchk GET /replica\n    http-check expect status 200\n%b' "$INTER" "$FALL" "$RISE" "$hosts" "$hosts" > "$cfg"
docker create --name "$P-haproxy" --label pgscale.bench="$P" --network "$P-net" -p 127.0.0.1::5000 -p 127.0.0.1::5001 "$HAPROXY_IMAGE" >/dev/null
chmod 0644 "$cfg"; docker cp "$cfg" "$P-haproxy:/etc/haproxy/haproxy.cfg" && rm -f "$cfg"
docker start "$P-haproxy" >/dev/null
docker port "$P-haproxy" 5000/tcp | head -1 | sed 's/.*://'
