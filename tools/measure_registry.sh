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
source tools/lib/encuentrod.sh
WORK=$(mktemp -d /tmp/encuentro-registry-XXXXXX)
chmod o+x "$WORK"
ENCUENTROD_PID=
trap '[ -n "$ENCUENTROD_PID" ] && kill -TERM $ENCUENTROD_PID 2>/dev/null; wait 2>/dev/null; rm -rf "$WORK"' EXIT

run_quietly "$WORK/populate.log" "$BUILD/tools/registry_eval/encuentro_registry_eval" populate \
  --data-dir "$WORK/var" --seed "$SEED"
grep 'populated\|templates:' "$WORK/populate.log"
# The rate limit is off: one client asks 650 searches as fast as it can.
start_encuentrod "$WORK/server" --data-dir "$WORK/var" --listen 127.0.0.1:0 \
  --rate-limit-per-minute 0 "$@"
"$BUILD/tools/registry_eval/encuentro_registry_eval" search --server "$ENCUENTROD_ADDRESS" \
  --data-dir "$WORK/var"
