#!/usr/bin/env bash
# Sweep time at 1 and 10 million registrations with 1% due (issue: "well under
# a second" at 10 M on SQLite). Rows are generated in SQL; the sweep is the
# real `uchetctl sweep` (lapse + audit event + notice per lapsed registration,
# reminders, retention), timed end to end.
set -euo pipefail
B=$1; OUT=$2
SIZES=${BENCH_SWEEP_SIZES:-"1000000 10000000"}
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT

seed() {   # db, n: n registrations in region 77, every 100th due on 2025-11-06
  "$B/src/cli/uchetctl" --database "$1" init >/dev/null
  sqlite3 "$1" <<SQL
PRAGMA journal_mode=WAL; PRAGMA synchronous=OFF;
BEGIN;
WITH RECURSIVE s(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM s WHERE i < $2)
INSERT INTO persons (id, surname, given_names, birth_date, citizenship, purpose, entry_regime, language, created_at, adult_on)
  SELECT i, 'BENCH', 'PERSON', '1990-01-01', 'TJK', 'work', 'visa_free', 'ru', 0, '2008-01-01' FROM s;
WITH RECURSIVE s(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM s WHERE i < $2)
INSERT INTO registrations (id, person_id, region, status, started_at, last_confirmed_on, due_date)
  SELECT i, i, '77', 'active', 0, CASE WHEN i % 100 = 0 THEN '2025-10-31' ELSE '2025-11-14' END,
         CASE WHEN i % 100 = 0 THEN '2025-11-06' ELSE '2025-11-20' END FROM s;
WITH RECURSIVE s(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM s WHERE i < $2)
INSERT INTO residences (id, registration_id, settlement, street, house, ref_lat, ref_lon, declared_at)
  SELECT i, i, 'Moscow', 'Tverskaya', '1', 55.7575, 37.6136, 0 FROM s;
COMMIT;
SQL
}

{
  echo "## Daily sweep (SQLite)"
  echo
  echo "Every 100th registration's deadline passed (1% due); the sweep for 2025-11-07 lapses"
  echo "each of them (registration update + hash-chained audit event + notice, set-based in"
  echo "chunks of 5,000 per transaction, \`synchronous=FULL\`), queues reminders and applies"
  echo "retention. Times are of the whole \`uchetctl sweep\` process, WAL checkpoints included."
  echo
  echo "| registrations | lapsed | sweep seconds | second run (idempotent) seconds |"
  echo "|---|---|---|---|"
} > "$OUT"
for n in $SIZES; do
  db=$tmp/sweep-$n.db
  seed "$db" "$n"
  sync   # the seed writes gigabytes unsynced: its writeback must not land in the sweep's time
  t0=$(date +%s.%N)
  out=$("$B/src/cli/uchetctl" --database "$db" sweep --as-of 2025-11-07 --region 77)
  t1=$(date +%s.%N)
  "$B/src/cli/uchetctl" --database "$db" sweep --as-of 2025-11-07 --region 77 >/dev/null
  t2=$(date +%s.%N)
  lapsed=$(sed -E 's/.*: ([0-9]+) lapsed.*/\1/' <<<"$out")
  printf '| %s | %s | %.2f | %.2f |\n' "$n" "$lapsed" "$(echo "$t1 - $t0" | bc)" "$(echo "$t2 - $t1" | bc)" >> "$OUT"
  echo "sweep: $n registrations, $lapsed lapsed in $(echo "$t1 - $t0" | bc) s"
  [[ -n ${KEEP_DB:-} ]] || rm -f "$db"*
done
{
  echo
  echo "Where the time goes: the due rows are spread through the table (every 100th id, as people"
  echo "due on one day are), so each lapse dirties a 4 KiB registrations page of its own and a"
  echo "page of the one-active-registration index: at 10 M about 134,000 scattered pages, some"
  echo "550 MB of WAL written and fsynced, then checkpointed into the database file. The"
  echo "statements are set-based (one UPDATE per 5,000 lapses, one INSERT per 64 audit events,"
  echo "one INSERT ... SELECT for the notices); a bare chunked UPDATE of the same rows in the"
  echo "sqlite3 shell takes 3.2-3.5 s here by itself. The issue's target, well under a second at"
  echo "10 M, is therefore not met: it needs a lapse that does not rewrite scattered pages, i.e. a"
  echo "change of what a lapse stores (see docs/ARCHITECTURE.md, \"The regime over time\")."
  echo
} >> "$OUT"
