#!/usr/bin/env bash
# The major-upgrade baseline: what a DBA runs by hand on one PostgreSQL 15 server, the container
# PREFIX-pg that `POSTGRES_VERSION=15 DATA_VOLUME=VOL postgres.sh PREFIX` made: a clean stop, then
# pg_upgrade --check and --link in the same pgscale/pg-upgrade image pgscale uses, on the same volume,
# with the same initdb options, then PostgreSQL 17 started on the new directory. Prints the new
# container's host port; the caller polls until a write succeeds. down.sh PREFIX removes it.
# Usage: upgrade.sh PREFIX VOLUME
set -euo pipefail
P=$1
VOL=$2
eval "$(POSTGRES_VERSION=15 node "$(dirname "$0")/images.js")"
OLD_BIN=$PG_BIN_DIR OLD_DATA=$PG_DATA_DIR
unset PATRONI_IMAGE PG_BIN_DIR PG_DATA_DIR
eval "$(POSTGRES_VERSION=17 node "$(dirname "$0")/images.js")"
# SIGINT is PostgreSQL's fast shutdown (postgres is the container's process; pg_ctl stop would be killed with it).
docker kill --signal INT "$P-pg" >/dev/null
docker wait "$P-pg" >/dev/null
docker rm "$P-pg" >/dev/null
docker run --rm --network none -u postgres -v "$VOL:/var/lib/postgresql/data" "$UPGRADE_IMAGE" sh -c "
  set -e; mkdir -p /tmp/u && cd /tmp/u
  $PG_BIN_DIR/initdb -D $PG_DATA_DIR -U postgres --encoding UTF8 --locale C.UTF-8 --data-checksums >/dev/null
  $PG_BIN_DIR/pg_upgrade -b $OLD_BIN -B $PG_BIN_DIR -d $OLD_DATA -D $PG_DATA_DIR -U postgres --socketdir=/tmp/u --check >/dev/null
  $PG_BIN_DIR/pg_upgrade -b $OLD_BIN -B $PG_BIN_DIR -d $OLD_DATA -D $PG_DATA_DIR -U postgres --socketdir=/tmp/u --link >/dev/null
  echo 'host all all all scram-sha-256' >> $PG_DATA_DIR/pg_hba.conf"
docker run -d --name "$P-pg" --label pgscale.bench="$P" -p 127.0.0.1::5432 --shm-size 256m -v "$VOL:/var/lib/postgresql/data" \
  -e PATH="$PG_BIN_DIR:/usr/local/bin:/usr/bin:/bin" "$PATRONI_IMAGE" \
  postgres -D "$PG_DATA_DIR" -c listen_addresses='*' -c unix_socket_directories=/var/run/postgresql -c max_connections=100 >/dev/null
docker port "$P-pg" 5432/tcp | head -1 | sed 's/.*://'
