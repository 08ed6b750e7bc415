#!/usr/bin/env bash
# Measures the evidence engine through encuentrod on the simulated registry of #11: 1,080 missing
# persons, 300 remains with a face, 200 remains of people nobody registered, 150 faceless remains
# (the generator and seed of encuentro_evidence_eval). Populates a throwaway data directory,
# starts encuentrod on it with its defaults (cross-matching on), waits for cross-matching, then
# searches every set of remains over gRPC and lists the leads the server raised.
# Usage: tools/measure_registry.sh [SEED] [extra encuentrod arguments...]
set -euo pipefail
cd "$(dirname "$0")/.."
SEED=${1:-1}
shift || true
BUILD=${ENCUENTRO_BUILD_DIR:-build}
WORK=$(mktemp -d /tmp/encuentro-registry-XXXXXX)
chmod o+x "$WORK"
SERVER=
trap '[ -n "$SERVER" ] && kill -TERM $SERVER 2>/dev/null; wait 2>/dev/null; rm -rf "$WORK"' EXIT

"$BUILD/tools/registry_eval/encuentro_registry_eval" populate --data-dir "$WORK/var" \
  --seed "$SEED" 2>/dev/null | grep "populated\|templates:"
# The rate limit is off: one client asks 650 searches as fast as it can.
"$BUILD/server/encuentrod" --data-dir "$WORK/var" --listen 127.0.0.1:0 \
  --rate-limit-per-minute 0 "$@" >"$WORK/out" 2>"$WORK/err" &
SERVER=$!
for _ in $(seq 3000); do grep -q 'listening on' "$WORK/out" && break; sleep 0.2; done
ADDRESS=$(grep -o 'listening on [^ ]*' "$WORK/out" | cut -d' ' -f3)
"$BUILD/tools/registry_eval/encuentro_registry_eval" search --server "$ADDRESS" \
  --data-dir "$WORK/var"
