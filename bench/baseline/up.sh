#!/usr/bin/env bash
# Hand-written baseline for the HA benchmarks: the same topology as PatroniCluster + HAProxy +
# PgBouncer (1 etcd member, N Patroni nodes, HAProxy), made with plain `docker run` and static
# configuration, timed to "primary writable through HAProxy and all replicas streaming".
# Usage: up.sh PREFIX NODES   (prints the HAProxy primary port); down.sh PREFIX removes it.
set -euo pipefail
P=${1:-pgbase}; N=${2:-3}; V=$(cat "$(dirname "$0")/../../packages/docker/images/VERSION")
PW=baseline-password
docker network create --label pgscale.bench="$P" "$P-net" >/dev/null
docker run -d --name "$P-etcd" --label pgscale.bench="$P" --network "$P-net" --network-alias etcd "pgscale/etcd:$V" \
  etcd --name etcd --data-dir /var/lib/etcd/data --listen-client-urls http://0.0.0.0:2379 --advertise-client-urls http://etcd:2379 \
  --listen-peer-urls http://0.0.0.0:2380 --initial-advertise-peer-urls http://etcd:2380 --initial-cluster etcd=http://etcd:2380 >/dev/null
hosts=""
for i in $(seq 0 $((N-1))); do
  docker volume create --label pgscale.bench="$P" "$P-pg$i" >/dev/null
  cfg=$(mktemp)
  cat > "$cfg" <<YML
scope: $P
namespace: /service/
name: pg$i
restapi: { listen: 0.0.0.0:8008, connect_address: pg$i:8008 }
etcd3: { hosts: [etcd:2379] }
bootstrap:
  dcs:
    ttl: 30
    loop_wait: 10
    retry_timeout: 10
    maximum_lag_on_failover: 1048576
    postgresql:
      use_pg_rewind: true
      use_slots: true
      parameters: { wal_level: replica, hot_standby: "on", max_wal_senders: 10, max_replication_slots: 10, wal_log_hints: "on", max_connections: 200 }
      pg_hba: ["local all all peer", "host replication replicator all scram-sha-256", "host all all all scram-sha-256"]
  initdb: [{ encoding: UTF8 }, data-checksums]
postgresql:
  listen: 0.0.0.0:5432
  connect_address: pg$i:5432
  data_dir: /var/lib/postgresql/data/pg15
  bin_dir: /usr/lib/postgresql/15/bin
  pgpass: /tmp/pgpass0
  authentication:
    superuser: { username: postgres, password: $PW }
    replication: { username: replicator, password: $PW }
    rewind: { username: rewind, password: $PW }
  parameters: { unix_socket_directories: /var/run/postgresql }
  basebackup: [{ checkpoint: fast }]
YML
  docker create --name "$P-pg$i" --label pgscale.bench="$P" --network "$P-net" --network-alias "pg$i" --user postgres \
    -v "$P-pg$i:/var/lib/postgresql/data" --shm-size 256m "pgscale/patroni:$V" >/dev/null
  chmod 0644 "$cfg"; docker cp "$cfg" "$P-pg$i:/etc/patroni/patroni.yml" && rm -f "$cfg"
  docker start "$P-pg$i" >/dev/null
  hosts="$hosts    server pg$i pg$i:5432 check port 8008\n"
done
cfg=$(mktemp)
printf 'global\n    maxconn 2000\nresolvers docker\n    nameserver dns 127.0.0.11:53\ndefaults\n    mode tcp\n    timeout connect 4s\n    timeout client 30m\n    timeout server 30m\n    default-server inter 2000ms fall 3 rise 2 on-marked-down shutdown-sessions resolvers docker init-addr last,libc,none\nlisten primary\n    bind *:5000\n    option httpchk GET /primary\n    http-check expect status 200\n%blisten replicas\n    bind *:5001\n    balance roundrobin\n    option httpchk GET /replica\n    http-check expect status 200\n%b' "$hosts" "$hosts" > "$cfg"
docker create --name "$P-haproxy" --label pgscale.bench="$P" --network "$P-net" -p 127.0.0.1::5000 -p 127.0.0.1::5001 "pgscale/haproxy:$V" >/dev/null
chmod 0644 "$cfg"; docker cp "$cfg" "$P-haproxy:/etc/haproxy/haproxy.cfg" && rm -f "$cfg"
docker start "$P-haproxy" >/dev/null
docker port "$P-haproxy" 5000/tcp | head -1 | sed 's/.*://'
