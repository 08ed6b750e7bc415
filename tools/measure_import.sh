#!/usr/bin/env bash
# Measures bulk-import throughput and storage per person: starts a throwaway encuentrod, imports
# PEOPLE missing persons with 5 photos each (Debian's dlib example photos), and prints photos per
# second and PostgreSQL bytes per person. Usage: tools/measure_import.sh [PEOPLE] [JOBS]
set -euo pipefail
cd "$(dirname "$0")/.."
PEOPLE=${1:-40}
JOBS=${2:-4}
BUILD=${ENCUENTRO_BUILD_DIR:-build}
FACES=/usr/share/doc/libdlib19.1/examples/faces
WORK=$(mktemp -d /tmp/encuentro-measure-XXXXXX)
chmod o+x "$WORK"
source tools/lib/encuentrod.sh
ENCUENTROD_PID=
trap '[ -n "$ENCUENTROD_PID" ] && kill -TERM $ENCUENTROD_PID 2>/dev/null; wait 2>/dev/null; rm -rf "$WORK"' EXIT

# A commission's staff member imports, as in real intake; made on the database before serving.
ADMIN=("$BUILD/server/encuentrod" admin)
run_quietly "$WORK/admin.log" "${ADMIN[@]}" create-org cbp-medida --kind search_commission \
  --data-dir "$WORK/var"
run_quietly "$WORK/admin.log" "${ADMIN[@]}" create-user medida --org cbp-medida \
  --role commission_staff --data-dir "$WORK/var"
TOKEN=$("${ADMIN[@]}" issue-token medida --data-dir "$WORK/var" 2>&1 | grep -o 'enc_[0-9a-f]\{64\}')
start_encuentrod "$WORK/server" --data-dir "$WORK/var" --listen 127.0.0.1:0 --log-level warn
ADDRESS=$ENCUENTROD_ADDRESS

PHOTOS=(2007_007763.jpg 2008_001009.jpg 2008_001322.jpg 2008_002079.jpg 2008_002470.jpg
        2008_002506.jpg 2008_004176.jpg 2008_007676.jpg 2009_004587.jpg Tom_Cruise_avp_2014_4.jpg)
# Distinct bytes per photo, as in real intake: each file gets a unique JPEG comment appended.
mkdir -p "$WORK/photos"
{
  echo "case_folio,issuing_authority,given_names,sex,last_seen_date,photos"
  for i in $(seq 1 "$PEOPLE"); do
    list=""
    for j in 0 1 2 3 4; do
      src=${PHOTOS[$(( (i + j) % ${#PHOTOS[@]} ))]}
      name="p${i}_${j}.jpg"
      { cat "$FACES/$src"; printf 'encuentro-measure %d %d' "$i" "$j"; } >"$WORK/photos/$name"
      list="${list:+$list;}$name"
    done
    echo "M-$i,FGE,Persona $i,female,2022-01-01,$list"
  done
} >"$WORK/people.csv"

start=$(date +%s.%N)
"$BUILD/cli/encuentro" --server "$ADDRESS" --token "$TOKEN" import missing "$WORK/people.csv" \
  --photos "$WORK/photos" --jobs "$JOBS" 2>/dev/null | tail -1
end=$(date +%s.%N)
PHOTO_COUNT=$((PEOPLE * 5))
awk -v n="$PHOTO_COUNT" -v s="$start" -v e="$end" \
  'BEGIN { printf "import: %d photos in %.1f s = %.2f photos/s (jobs as given)\n", n, e - s, n / (e - s) }'

PSQL=(psql -X -q -t -A -h "$WORK/var/postgresql" -U encuentro -d encuentro)
[ "$(id -u)" -eq 0 ] && PSQL=(runuser -u postgres -- "${PSQL[@]}")
"${PSQL[@]}" -c "
  SELECT 'bytes per person (5 photos): '
    || ((pg_total_relation_size('missing_persons') + pg_total_relation_size('photos')
        + pg_total_relation_size('photo_blobs') + pg_total_relation_size('face_templates'))
        / $PEOPLE)
    || ' total, of which photo bytes ' || (SELECT sum(size_bytes) FROM photo_blobs)::bigint / $PEOPLE
    || ', templates ' || pg_total_relation_size('face_templates') / $PEOPLE
    || ', photo rows (faces, quality) ' || pg_total_relation_size('photos') / $PEOPLE
    || ', person row ' || pg_total_relation_size('missing_persons') / $PEOPLE;"
