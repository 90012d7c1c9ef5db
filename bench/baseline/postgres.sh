#!/usr/bin/env bash
# The single-PostgreSQL baseline: what a Testcontainers user gets. `docker run` of the same image
# pgscale's clusters use (pgscale/patroni), run as plain PostgreSQL without Patroni: initdb, then
# postgres in the foreground. Prints the published host port; the caller polls until a query
# succeeds. down.sh PREFIX removes it.
# Usage: postgres.sh PREFIX   Env: PARAMS `k=v,k=v` (postgres -c settings), DATA_TMPFS 1 (data on tmpfs),
#   DATA_VOLUME NAME (data in that volume, e.g. for upgrade.sh)
set -euo pipefail
P=${1:-pgsingle}
# The image startPostgres() uses by default (or PATRONI_IMAGE, POSTGRES_VERSION).
eval "$(node "$(dirname "$0")/images.js")"
args=()
IFS=, read -ra kv <<<"${PARAMS:-max_connections=100}"
for p in "${kv[@]}"; do args+=(-c "$p"); done
data=()
if [ "${DATA_TMPFS:-0}" = 1 ]; then data=(--tmpfs "/var/lib/postgresql/data:uid=${PG_UID:-$(docker run --rm --entrypoint id "$PATRONI_IMAGE" -u postgres)},mode=0700"); fi
if [ -n "${DATA_VOLUME:-}" ]; then data=(-v "$DATA_VOLUME:/var/lib/postgresql/data"); fi
# The same initdb options and password method as pgscale's clusters; the password reaches initdb
# through a file so it never shows in `ps`.
docker run -d --name "$P-pg" --label pgscale.bench="$P" -p 127.0.0.1::5432 --shm-size 256m "${data[@]}" \
  -e PGPASSWORD_INIT=baseline-password -e PATH="$PG_BIN_DIR:/usr/local/bin:/usr/bin:/bin" -e D="$PG_DATA_DIR" "$PATRONI_IMAGE" bash -c '
    set -e
    echo "$PGPASSWORD_INIT" > /tmp/pw
    initdb -D "$D" -U postgres --pwfile /tmp/pw --auth-host scram-sha-256 --auth-local peer --encoding UTF8 --locale C.UTF-8 --data-checksums >/dev/null
    rm /tmp/pw; echo "host all all all scram-sha-256" >> "$D/pg_hba.conf"
    exec postgres -D "$D" -c listen_addresses="*" -c unix_socket_directories=/var/run/postgresql "$@"' _ "${args[@]}" >/dev/null
docker port "$P-pg" 5432/tcp | head -1 | sed 's/.*://'
