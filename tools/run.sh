#!/usr/bin/env bash
# The README's run command: installs what is missing, builds Release, and starts encuentrod on
# its embedded PostgreSQL (data in ./var), with the web console at http://127.0.0.1:8080/. Extra
# arguments go to encuentrod, e.g. --listen.
# On the first run it also makes the first administrator and keeps their API token in
# var/admin.token (readable by you only): `export ENCUENTRO_TOKEN=$(cat var/admin.token)`.
set -euo pipefail
cd "$(dirname "$0")/.."
tools/install-deps.sh
tools/build.sh
ENCUENTROD="${ENCUENTRO_BUILD_DIR:-build}/server/encuentrod"
if [ ! -e var/admin.token ] && [[ " $* " != *" --data-dir"* ]]; then
  mkdir -p var
  if out=$("$ENCUENTROD" admin bootstrap --user admin --data-dir var 2>&1); then
    (umask 077 && printf '%s\n' "$out" | grep -o 'enc_[0-9a-f]\{64\}' >var/admin.token)
    echo "run: made the first administrator; their token is in var/admin.token"
  else
    echo "run: no first administrator made: $out" >&2
  fi
fi
# The web console on this machine only, unless the arguments say otherwise.
CONSOLE=()
if [[ " $* " != *" --http-listen"* && " $* " != *" --config"* && -z "${ENCUENTRO_HTTP_LISTEN:-}" &&
  -z "${ENCUENTRO_CONFIG:-}" ]]; then
  CONSOLE=(--http-listen 127.0.0.1:8080)
fi
exec "$ENCUENTROD" "${CONSOLE[@]}" "$@"
