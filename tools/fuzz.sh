#!/usr/bin/env bash
# Builds the libFuzzer targets of fuzz/ with clang, AddressSanitizer and UndefinedBehaviorSanitizer
# into build-fuzz, and runs each for SECONDS (default 20) from its seed corpus fuzz/corpus/NAME.
# Fails on any crash, sanitizer finding, leak, timeout or out-of-memory. New inputs the fuzzers
# find go to a temporary folder, never into the repository's corpora.
#   tools/fuzz.sh [SECONDS] [NAME...]
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-20}
shift || true
build=${ENCUENTRO_FUZZ_BUILD_DIR:-build-fuzz}
cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_CXX_COMPILER=clang++ \
  -DENCUENTRO_FUZZ=ON -DENCUENTRO_BUILD_TESTS=OFF -DENCUENTRO_BUILD_BENCHMARKS=OFF >/dev/null
cmake --build "$build" --target encuentro_fuzzers -j "${ENCUENTRO_JOBS:-$(nproc)}"
names=("$@")
if [ ${#names[@]} -eq 0 ]; then
  for corpus in fuzz/corpus/*/; do names+=("$(basename "$corpus")"); done
fi
for name in "${names[@]}"; do
  work=$(mktemp -d)
  log="$build/fuzz/$name.log"
  if ! "$build/fuzz/$name" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 \
      -print_final_stats=1 "$work" "fuzz/corpus/$name" >"$log" 2>&1; then
    tail -40 "$log"
    echo "fuzz.sh: $name FAILED; the input is in $(pwd) (crash-*, leak-*, timeout-*, oom-*)" >&2
    rm -rf "$work"
    exit 1
  fi
  runs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$log" | grep -o '[0-9]*$' || echo 0)
  cov=$(grep -o 'cov: [0-9]*' "$log" | tail -1 | grep -o '[0-9]*' || echo 0)
  echo "fuzz.sh: $name: $runs runs in ${seconds} s, coverage $cov edges, no finding"
  rm -rf "$work"
done
