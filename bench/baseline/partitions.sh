#!/usr/bin/env bash
# The partition baselines: what a user would run instead of a PartitionedTable with N daily
# partitions from today and two indexes, as one psql call in one transaction.
#   partitions.sh psql    URI SCHEMA N   the same DDL PartitionedTable runs, written by hand
#   partitions.sh partman URI SCHEMA N   pg_partman's create_parent (premake N-1: the same N daily
#                                        partitions, plus its default partition and template table)
# SCHEMA must exist and be empty. pg_partman must be installed in schema `partman` for the second form.
set -euo pipefail
MODE=$1; URI=$2; S=$3; N=$4
day() { date -u -d "today + $1 day" +%Y-%m-%d; }
{
  cat <<SQL
CREATE TABLE "$S"."events" (
    "id" bigint GENERATED ALWAYS AS IDENTITY,
    "event_type" text NOT NULL,
    "data" jsonb,
    "created_at" timestamptz NOT NULL DEFAULT (now()),
    PRIMARY KEY ("id", "created_at")
) PARTITION BY RANGE ("created_at");
SQL
  if [ "$MODE" = psql ]; then
    # One `date` call for every boundary: a call per partition would cost more than the DDL.
    start=$(date -u -d today +%s)
    seq "$start" 86400 $((start + N * 86400)) | sed 's/^/@/' | date -u -f - +%Y-%m-%d |
      awk -v s="$S" 'NR > 1 { f = prev; gsub("-", "_", f); printf "CREATE TABLE \"%s\".\"events_p%s\" PARTITION OF \"%s\".\"events\" FOR VALUES FROM (\x27%s 00:00:00+00\x27) TO (\x27%s 00:00:00+00\x27);\n", s, f, s, prev, $0 } { prev = $0 }'
  fi
  echo "CREATE INDEX \"events_created_at_idx\" ON \"$S\".\"events\" USING btree (\"created_at\");"
  echo "CREATE INDEX \"events_event_type_idx\" ON \"$S\".\"events\" USING btree (\"event_type\");"
  if [ "$MODE" = partman ]; then
    echo "SELECT partman.create_parent(p_parent_table := '$S.events', p_control := 'created_at', p_type := 'native', p_interval := '1 day', p_premake := $((N - 1)), p_start_partition := '$(day 0) 00:00:00+00');"
  fi
} | psql "$URI" -X -q -v ON_ERROR_STOP=1 -1 -f - >/dev/null
