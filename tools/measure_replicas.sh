#!/usr/bin/env bash
# Measures several encuentrod replicas on one machine and one PostgreSQL: SearchCandidates
# requests per second through 1, 2 and 3 replicas, CONCURRENCY clients spread over them, each
# replica holding the whole synthetic gallery (PERSONS x 2 templates, 500 remains). The first
# replica runs the embedded PostgreSQL; the others use it through its socket, as they would an
# external database.
# Usage: tools/measure_replicas.sh [PERSONS] [CONCURRENCY] [SECONDS]
set -euo pipefail
cd "$(dirname "$0")/.."
PERSONS=${1:-50000}
CONCURRENCY=${2:-8}
SECONDS_PER_RUN=${3:-20}
BUILD=${ENCUENTRO_BUILD_DIR:-build}
WORK=$(mktemp -d /tmp/encuentro-replicas-XXXXXX)
chmod o+x "$WORK"
PIDS=()
trap 'for p in "${PIDS[@]}"; do kill -TERM "$p" 2>/dev/null; done; wait 2>/dev/null; rm -rf "$WORK"' EXIT

"$BUILD/tools/match_load/encuentro_match_load" populate --data-dir "$WORK/var1" \
  --persons "$PERSONS" --remains 500 2>/dev/null | grep populated
DATABASE="host=$WORK/var1/postgresql port=5432 dbname=encuentro user=encuentro"

ADDRESSES=()
start_replica() {  # start_replica N [--database-url URL]
  local dir="$WORK/var$1"
  shift
  mkdir -p "$dir"
  # Cross-matching is off (the populated records queued jobs that would compete for the cores),
  # and so is the rate limit, which a load test exists to exceed.
  "$BUILD/server/encuentrod" --data-dir "$dir" --listen 127.0.0.1:0 "$@" \
    --cross-match-workers 0 --rate-limit-per-minute 0 --log-level info >"$dir.out" 2>"$dir.err" &
  PIDS+=($!)
  for _ in $(seq 3000); do grep -q 'listening on' "$dir.out" && break; sleep 0.2; done
  ADDRESSES+=("$(grep -o 'listening on [^ ]*' "$dir.out" | cut -d' ' -f3)")
  grep -o 'gallery: .*' "$dir.err" | sed "s/^/replica ${#ADDRESSES[@]} start-up: /"
}

start_replica 1
for n in 2 3; do
  # One audit chain, one signing key.
  mkdir -p "$WORK/var$n"
  cp "$WORK/var1/audit-signing.key" "$WORK/var1/audit-signing.key.pub" "$WORK/var$n/"
  start_replica "$n" --database-url "$DATABASE"
done
echo "resident memory per replica: $(for p in "${PIDS[@]}"; do
  awk '/VmRSS/ {printf "%.0f MiB ", $2/1024}' "/proc/$p/status"; done)"

TOKEN=$(cat "$WORK/var1/load.token")
for n in 1 2 3; do
  SERVERS=$(IFS=,; echo "${ADDRESSES[*]:0:$n}")
  "$BUILD/tools/match_load/encuentro_match_load" search --server "$SERVERS" --remains 500 \
    --token "$TOKEN" --concurrency "$CONCURRENCY" --seconds "$SECONDS_PER_RUN"
done
