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
source tools/lib/encuentrod.sh
WORK=$(mktemp -d /tmp/encuentro-replicas-XXXXXX)
chmod o+x "$WORK"
PIDS=()
stop_replicas() {
  # The first replica runs the database the others use: it stops last.
  local i
  for ((i = ${#PIDS[@]} - 1; i >= 0; i--)); do
    kill -TERM "${PIDS[i]}" 2>/dev/null && wait "${PIDS[i]}" 2>/dev/null
  done
  return 0
}
trap 'stop_replicas; rm -rf "$WORK"' EXIT

run_quietly "$WORK/populate.log" "$BUILD/tools/match_load/encuentro_match_load" populate \
  --data-dir "$WORK/var1" --persons "$PERSONS" --remains 500
grep populated "$WORK/populate.log"
DATABASE="host=$WORK/var1/postgresql port=5432 dbname=encuentro user=encuentro"

ADDRESSES=()
for n in 1 2 3; do
  mkdir -p "$WORK/var$n"
  args=()
  if [ "$n" -gt 1 ]; then
    # One audit chain, one signing key; the database of the first replica.
    cp "$WORK/var1/audit-signing.key" "$WORK/var1/audit-signing.key.pub" "$WORK/var$n/"
    args=(--database-url "$DATABASE")
  fi
  # Cross-matching is off (the populated records queued jobs that would compete for the cores),
  # and so is the rate limit, which a load test exists to exceed.
  start_encuentrod "$WORK/var$n" --data-dir "$WORK/var$n" --listen 127.0.0.1:0 "${args[@]}" \
    --cross-match-workers 0 --rate-limit-per-minute 0 --log-level info
  PIDS+=("$ENCUENTROD_PID")
  ADDRESSES+=("$ENCUENTROD_ADDRESS")
  grep -o 'gallery: .*' "$WORK/var$n.err" | sed "s/^/replica $n start-up: /"
done
echo "resident memory per replica: $(for p in "${PIDS[@]}"; do
  awk '/VmRSS/ {printf "%.0f MiB ", $2/1024}' "/proc/$p/status"; done)"

TOKEN=$(cat "$WORK/var1/load.token")
for n in 1 2 3; do
  SERVERS=$(IFS=,; echo "${ADDRESSES[*]:0:$n}")
  "$BUILD/tools/match_load/encuentro_match_load" search --server "$SERVERS" --remains 500 \
    --token "$TOKEN" --concurrency "$CONCURRENCY" --seconds "$SECONDS_PER_RUN"
done
