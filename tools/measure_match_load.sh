#!/usr/bin/env bash
# Measures matching end to end: fills a throwaway data directory with a synthetic gallery of
# PERSONS x 2 templates (plus 500 remains with planted matches), then reports the gallery build
# time from PostgreSQL at start-up, SearchCandidates latency and requests per second through gRPC
# with 1 and CONCURRENCY clients, a web console page of 50 candidates through the JSON API (one
# client), the snapshot load time at the next start, and check-index.
# Usage: tools/measure_match_load.sh [PERSONS] [CONCURRENCY] [SECONDS]
# With MATCH_LOAD_MARKS=1, a third of the people (and their planted remains) carry a tattoo.
# With MATCH_LOAD_SECOND_MODEL=1, every template carries a second-model embedding too, so that each
# comparison is scored by both face models fused (encuentrod's default when templates have both).
set -euo pipefail
cd "$(dirname "$0")/.."
PERSONS=${1:-50000}
CONCURRENCY=${2:-8}
SECONDS_PER_RUN=${3:-30}
BUILD=${ENCUENTRO_BUILD_DIR:-build}
WORK=$(mktemp -d /tmp/encuentro-load-XXXXXX)
chmod o+x "$WORK"
source tools/lib/encuentrod.sh
ENCUENTROD_PID=
trap '[ -n "$ENCUENTROD_PID" ] && kill -TERM $ENCUENTROD_PID 2>/dev/null; wait 2>/dev/null; rm -rf "$WORK"' EXIT

run_quietly "$WORK/populate.log" "$BUILD/tools/match_load/encuentro_match_load" populate \
  --data-dir "$WORK/var" --persons "$PERSONS" --remains 500 ${MATCH_LOAD_MARKS:+--with-marks} \
  ${MATCH_LOAD_SECOND_MODEL:+--second-model}
grep populated "$WORK/populate.log"

start_server() {
  # Cross-matching is off (the populated records queued jobs that would compete for the cores),
  # and so is the rate limit, which a load test exists to exceed.
  start_encuentrod "$WORK/server" --data-dir "$WORK/var" --listen 127.0.0.1:0 \
    --cross-match-workers 0 --rate-limit-per-minute 0 --log-level info \
    --http-listen 127.0.0.1:0
  ADDRESS=$ENCUENTROD_ADDRESS
  CONSOLE=$(grep -o 'web console on [^ ]*' "$WORK/server.out" | cut -d' ' -f4 | sed 's:/$::' || true)
  grep -o 'gallery: .*' "$WORK/server.err" | sed 's/^/start-up: /'
  echo "resident memory after start: $(awk '/VmRSS/ {print $2/1024 " MiB"}' /proc/$ENCUENTROD_PID/status)"
}
stop_server() {
  kill -TERM "$ENCUENTROD_PID"
  wait "$ENCUENTROD_PID" || true
  ENCUENTROD_PID=
}

start_server
LOAD=("$BUILD/tools/match_load/encuentro_match_load" search --server "$ADDRESS" --remains 500
  --token "$(cat "$WORK/var/load.token")")
"${LOAD[@]}" --concurrency 1 --seconds "$SECONDS_PER_RUN"
"${LOAD[@]}" --concurrency "$CONCURRENCY" --seconds "$SECONDS_PER_RUN"
if [ -n "${CONSOLE:-}" ]; then
  # The web console's remains page: 50 candidates through the JSON API, one client.
  "$BUILD/tools/match_load/encuentro_match_load" search --console "$CONSOLE" --remains 500 \
    --top-n 50 --token "$(cat "$WORK/var/load.token")" --concurrency 1 --seconds "$SECONDS_PER_RUN"
fi
stop_server
start_server
stop_server
/usr/bin/time -f 'check-index: %e s, %M KiB peak' "$BUILD/server/encuentrod" check-index \
  --data-dir "$WORK/var" 2>&1 | grep -v '^\[' | tail -4
