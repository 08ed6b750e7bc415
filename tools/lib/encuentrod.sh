# Shell helpers for the measuring scripts under tools/; source it after setting BUILD.

# start_encuentrod PREFIX ARGS...: starts $BUILD/server/encuentrod with ARGS in the background,
# its output in PREFIX.out and PREFIX.err, and waits until it listens (up to 10 minutes: a large
# gallery loads first). Sets ENCUENTROD_PID and ENCUENTROD_ADDRESS. If the server exits first,
# prints the end of its log and exits the script.
start_encuentrod() {
  local prefix=$1
  shift
  "$BUILD/server/encuentrod" "$@" >"$prefix.out" 2>"$prefix.err" &
  ENCUENTROD_PID=$!
  local _
  for _ in $(seq 3000); do
    grep -q 'listening on' "$prefix.out" && break
    if ! kill -0 "$ENCUENTROD_PID" 2>/dev/null; then
      echo "encuentrod exited before listening; the end of its log:" >&2
      tail -5 "$prefix.err" >&2
      exit 1
    fi
    sleep 0.2
  done
  ENCUENTROD_ADDRESS=$(grep -o 'listening on [^ ]*' "$prefix.out" | cut -d' ' -f3)
}

# run_quietly LOG COMMAND...: runs COMMAND with its output in LOG; if it fails, prints the end of
# LOG and exits the script.
run_quietly() {
  local log=$1
  shift
  if ! "$@" >"$log" 2>&1; then
    echo "failed: $*; the end of its output:" >&2
    tail -5 "$log" >&2
    exit 1
  fi
}
