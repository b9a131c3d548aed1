#!/usr/bin/env bash
# The daily sweep on PostgreSQL, measured like bench/sweep.sh measures it on
# SQLite (issue 18): 1 and 10 million registrations, 1% due, the same rows and
# the same `uchetctl sweep --as-of 2025-11-07 --region 77`, timed end to end
# on a local durable PostgreSQL 15 (fsync on, synchronous_commit on). Each run
# sweeps a fresh copy of the seeded database (CREATE DATABASE ... TEMPLATE),
# vacuumed and analysed as a production database would be.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/throwaway-pg.sh
B=$1; OUT=$2
SIZES=${BENCH_SWEEP_PG_SIZES:-${BENCH_SWEEP_SIZES:-"1000000 10000000"}}
RUNS=${BENCH_SWEEP_RUNS:-3}
tmp=$(mktemp -d)
cleanup() { [[ -n ${pgpid:-} ]] && kill "$pgpid" 2>/dev/null; wait 2>/dev/null; rm -rf "$tmp"; }
trap cleanup EXIT
pg_start "$tmp/pg"
admin=${PG_URL%/*}/postgres
q() { PGOPTIONS="-c client_min_messages=warning" psql -qAtX -v ON_ERROR_STOP=1 -d "$1" -c "$2"; }

seed() {   # url, n: as bench/sweep.sh's 1% day: per 100, one due on 2025-11-06, the rest on the 20th
  "$B/src/cli/uchetctl" --database "$1" init >/dev/null
  psql -qAtX -v ON_ERROR_STOP=1 -d "$1" <<SQL
BEGIN;
INSERT INTO persons (id, surname, given_names, birth_date, citizenship, purpose, entry_regime, language, created_at, adult_on)
  SELECT i, 'BENCH', 'PERSON', '1990-01-01', 'TJK', 'work', 'visa_free', 'ru', 0, '2008-01-01' FROM generate_series(1, $2) i;
INSERT INTO registration_rows (id, person_id, region, status, started_at, last_confirmed_on, due_date)
  SELECT i, i, '77', 'active', 0, CASE WHEN i % 100 = 0 THEN '2025-10-31' ELSE '2025-11-14' END,
         CASE WHEN i % 100 = 0 THEN '2025-11-06' ELSE '2025-11-20' END FROM generate_series(1, $2) i;
INSERT INTO residences (id, registration_id, settlement, street, house, ref_lat, ref_lon, declared_at)
  SELECT i, i, 'Moscow', 'Tverskaya', '1', 55.7575, 37.6136, 0 FROM generate_series(1, $2) i;
COMMIT;
VACUUM ANALYZE;
CHECKPOINT;
SQL
}

# The figure counts only if the sweep did the work (as bench/sweep.sh checks).
verify() {   # url, n, lapsed
  local k=$(($2 / 100)) check
  check=$(q "$1" "SELECT (SELECT count(*) FROM notices WHERE kind = 'lapsed') || '|' ||
    (SELECT sum(json_array_length(detail::json -> 'registrations')) FROM audit WHERE action = 'registrations.lapsed') || '|' ||
    (SELECT status || '/' || end_reason FROM registrations WHERE id = 100) || '|' ||
    (SELECT status FROM registrations WHERE id = 101)")
  if [[ $3 != "$k" || $check != "$k|$k|ended/lapsed|active" ]]; then
    echo "sweep bench (PostgreSQL): $2 registrations: lapsed $3, check $check" >&2; exit 1
  fi
}

{
  echo "## Daily sweep (PostgreSQL)"
  echo
  echo "The same day as the SQLite table's first rows (1% due), on a local PostgreSQL 15 with"
  echo "\`fsync=on\` and \`synchronous_commit=on\` (bench/sweep_pg.sh). As on SQLite, a due date"
  echo "lapses in one transaction: one lapse mark, one \`INSERT ... SELECT\` of its notices, one"
  echo "audit event per 5,000. Each run sweeps a fresh copy (\`CREATE DATABASE ... TEMPLATE\`) of"
  echo "the seeded, vacuumed database."
  echo
  echo "| day | registrations | lapsed | sweep seconds, median of $RUNS | each run | second run (idempotent) seconds |"
  echo "|---|---|---|---|---|---|"
} > "$OUT"

for n in $SIZES; do
  q "$admin" "CREATE DATABASE seed_$n"
  base=${PG_URL%/*}/seed_$n
  t0=$(date +%s)
  seed "$base" "$n"
  echo "sweep (PostgreSQL): seeded $n registrations in $(( $(date +%s) - t0 )) s"
  times=()
  for ((run = 1; run <= RUNS; run++)); do
    q "$admin" "DROP DATABASE IF EXISTS sweep_run"
    q "$admin" "CREATE DATABASE sweep_run TEMPLATE seed_$n"
    db=${PG_URL%/*}/sweep_run
    q "$db" "CHECKPOINT"
    sync; sleep 3   # the copy's writeback must not land in the sweep's time
    t0=$(date +%s.%N)
    out=$("$B/src/cli/uchetctl" --database "$db" sweep --as-of 2025-11-07 --region 77)
    t1=$(date +%s.%N)
    "$B/src/cli/uchetctl" --database "$db" sweep --as-of 2025-11-07 --region 77 >/dev/null
    t2=$(date +%s.%N)
    lapsed=$(sed -E 's/.*: ([0-9]+) lapsed.*/\1/' <<<"$out")
    verify "$db" "$n" "$lapsed"
    times+=("$(printf '%.2f' "$(echo "$t1 - $t0" | bc)")")
    again=$(printf '%.2f' "$(echo "$t2 - $t1" | bc)")
    echo "sweep (PostgreSQL): $n registrations, $lapsed lapsed in ${times[-1]} s (run $run)"
  done
  q "$admin" "DROP DATABASE sweep_run"
  q "$admin" "DROP DATABASE seed_$n"
  median=$(printf '%s\n' "${times[@]}" | sort -n | sed -n "$(((RUNS + 1) / 2))p")
  echo "| 1% due | $n | $lapsed | $median | ${times[*]} | $again |" >> "$OUT"
done
echo >> "$OUT"
pg_stop
