#!/usr/bin/env bash
# Confirmations/s and latency against uchetd (100,000 registered persons,
# 64 connections, wrk + bench/confirm.lua) on SQLite and on a local durable
# PostgreSQL 15, beside a static baseline from the same uchetd.
set -euo pipefail
source "$(dirname "$0")/../scripts/throwaway-pg.sh"
B=$1; OUT=$2
PERSONS=${BENCH_PERSONS:-100000}; SESSIONS=${BENCH_SESSIONS:-10000}
DURATION=${BENCH_DURATION:-15s}; CONNS=${BENCH_CONNS:-64}
tmp=$(mktemp -d); port=$((20000 + RANDOM % 20000))
# uchetd seals the officers' TOTP secrets under this key and will not start without one
"$B/src/cli/uchetctl" keys totp-init --key-file "$tmp/totp.key" >/dev/null
DBLOOP_CONNS=$(awk '/#define DBLOOP_CONNECTIONS/ {print $3}' src/api/dbloop.h)
cleanup() { [[ -n ${pid:-} ]] && kill "$pid" 2>/dev/null; [[ -n ${pgpid:-} ]] && kill "$pgpid" 2>/dev/null; wait 2>/dev/null; rm -rf "$tmp"; }
trap cleanup EXIT

run_wrk() {   # script, path, extra...
  wrk -t2 -c"$CONNS" -d"$DURATION" --latency -s "$1" "http://127.0.0.1:$port$2" -- "${@:3}" | grep '^RESULT'
}
field() { sed -E "s/.*$1=([0-9]+).*/\1/" <<<"$2"; }
rps() { awk -v r="$(field requests "$1")" -v d="$(field duration_us "$1")" 'BEGIN {printf "%.0f", r / (d / 1e6)}'; }
ms() { awk -v u="$(field "$1" "$2")" 'BEGIN {printf "%.2f", u / 1000}'; }
row() { echo "| $1 | $(rps "$2") | $(ms p50_us "$2") | $(ms p90_us "$2") | $(ms p99_us "$2") | $(field non2xx "$2") | $(field errors "$2") |"; }

# pg_where URL WRK_RESULT: where a PostgreSQL confirmation's time goes, from
# pg_stat_statements and pg_stat_wal over the confirmation run (both reset
# just before it). The writer runs batches one after another, so its wall
# time per confirmation is the run's duration over the confirmations; the
# server's execution and the WAL flushes are parts of it, the rest is round
# trips (loopback TCP, process wake-ups). pg_stat_statements does not see a
# COMMIT's flush, pg_stat_wal does (track_wal_io_timing, set by pg.py).
pg_reset() {
  PGOPTIONS="-c client_min_messages=warning" psql -qAt -d "$1" -c "CREATE EXTENSION IF NOT EXISTS pg_stat_statements" \
    -c "SELECT pg_stat_statements_reset()" -c "SELECT pg_stat_reset_shared('wal')" >/dev/null
}
pg_where() {
  local n us
  n=$(field requests "$2"); us=$(field duration_us "$2")
  psql -qAt -F' ' -d "$1" -c "SELECT (SELECT sum(calls) FROM pg_stat_statements),
      (SELECT sum(total_exec_time) * 1000 FROM pg_stat_statements),
      wal_sync, (wal_sync_time + wal_write_time) * 1000 FROM pg_stat_wal" |
  awk -v n="$n" -v us="$us" '{
    printf "PostgreSQL, where a confirmation'"'"'s time goes: the writer spends %.0f µs of wall time per confirmation; %.1f statements each (pipelined: see the round trips below), %.0f µs of them executing in the server; WAL writes and flushes %.0f µs (%d fsyncs for %d confirmations); the remaining %.0f µs are round trips and waiting for a core (2 cores shared by wrk, uchetd and PostgreSQL).\n",
      us / n, $1 / n, $2 / n, $4 / n, $3, n, us / n - $2 / n - $4 / n }'
}

# pg_where_reads URL WRK_RESULT CPU_TICKS: where a PostgreSQL GET /me's time
# goes: statements per read and their execution time in the server
# (pg_stat_statements, reset just before the reads), and uchetd's own CPU
# time per read (its utime + stime over the run, from /proc).
pg_where_reads() {
  local n
  n=$(field requests "$2")
  psql -qAt -F' ' -d "$1" -c "SELECT sum(calls), sum(total_exec_time) * 1000 FROM pg_stat_statements
      WHERE query NOT LIKE '%pg_stat%'" |
  awk -v n="$n" -v t="$3" -v hz="$(getconf CLK_TCK)" '{
    printf "PostgreSQL, where a GET /api/v1/me'"'"'s time goes: %.2f statements per read, executing %.0f µs each in the server; uchetd spends %.0f µs of CPU per read (HTTP, JSON, libpq); the rest of the %d connections'"'"' latency is waiting for a core (wrk, uchetd and PostgreSQL share 2).\n",
      $1 / n, $2 / $1, t * 1e6 / hz / n, '"$CONNS"' }'
}
cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }

# trips thread|loop: uchetd's round trips to PostgreSQL so far (its /metrics).
trips() { curl -s "http://127.0.0.1:$port/metrics" | awk -v c="$1" '$1 == "uchet_db_round_trips_total{conn=\"" c "\"}" {print $2}'; }

# pgbench_rate URL: transactions/s of pgbench's built-in simple-update
# (BEGIN; UPDATE; SELECT; INSERT; END: four statements and the commit) on
# the same throwaway server, same connections and duration as wrk.
pgbench_rate() {
  local pgb=/usr/lib/postgresql/15/bin/pgbench
  [[ -x $pgb ]] || { echo "n/a"; return; }
  psql -qAt -d "$1" -c "CREATE DATABASE pgb" >/dev/null
  local u=${1%/*}/pgb
  "$pgb" -q -i -s 10 "$u" >/dev/null 2>&1
  "$pgb" -N -c "$CONNS" -j 2 -T "${DURATION%s}" "$u" 2>/dev/null | awk '/^tps/ {printf "%.0f", $3}'
}

# two_instances URL: the production shape, two uchetd on one PostgreSQL
# (each its own writer; the advisory lock serialises their batches), each
# loaded by its own wrk with half the connections, at the same time.
two_instances() {
  local port2=$((port + 1)) pid2 a b
  "$B/src/api/uchetd" --database "$1" --listen 127.0.0.1:$port --log-level warn --vapid-key-file "$tmp/vapid.pem" --totp-key-file "$tmp/totp.key" \
    --clock 2025-10-31T10:00+03:00 --no-sweep >>"$tmp/uchetd.log" 2>&1 &
  pid=$!
  "$B/src/api/uchetd" --database "$1" --listen 127.0.0.1:$port2 --log-level warn --vapid-key-file "$tmp/vapid.pem" --totp-key-file "$tmp/totp.key" \
    --clock 2025-10-31T10:00+03:00 --no-sweep >>"$tmp/uchetd.log" 2>&1 &
  pid2=$!
  for _ in $(seq 100); do curl -sf "http://127.0.0.1:$port/readyz" >/dev/null && curl -sf "http://127.0.0.1:$port2/readyz" >/dev/null && break; sleep 0.1; done
  wrk -t1 -c$((CONNS / 2)) -d"$DURATION" --latency -s bench/confirm.lua "http://127.0.0.1:$port/api/v1/me/confirmations" -- "$tmp/tokens" | grep '^RESULT' >"$tmp/two-a" &
  a=$!
  wrk -t1 -c$((CONNS / 2)) -d"$DURATION" --latency -s bench/confirm.lua "http://127.0.0.1:$port2/api/v1/me/confirmations" -- "$tmp/tokens" | grep '^RESULT' >"$tmp/two-b"
  wait "$a"
  kill "$pid" "$pid2"; wait "$pid" "$pid2" || true; pid=
  row "PostgreSQL, two uchetd (A): POST /api/v1/me/confirmations" "$(cat "$tmp/two-a")" >>"$tmp/rows"
  row "PostgreSQL, two uchetd (B): POST /api/v1/me/confirmations" "$(cat "$tmp/two-b")" >>"$tmp/rows"
  echo "PostgreSQL, two uchetd on one database: $(( $(rps "$(cat "$tmp/two-a")") + $(rps "$(cat "$tmp/two-b")") )) confirmations/s together ($((CONNS / 2)) connections each, same duration)." | tee -a "$tmp/notes"
}

# measure DB LABEL: seeds DB, serves it, runs the workloads, appends table rows.
measure() {
  local db=$1 label=$2
  "$B/src/cli/uchetctl" --database "$db" init >/dev/null
  "$B/src/cli/uchetctl" --database "$db" bench-seed --persons "$PERSONS" --sessions "$SESSIONS" --tokens-out "$tmp/tokens" >/dev/null
  "$B/src/api/uchetd" --database "$db" --listen 127.0.0.1:$port --log-level warn --vapid-key-file "$tmp/vapid.pem" --totp-key-file "$tmp/totp.key" \
    --clock 2025-10-31T10:00+03:00 ${BENCH_THREADS:+--threads $BENCH_THREADS} --no-sweep >"$tmp/uchetd.log" 2>&1 &
  pid=$!
  for _ in $(seq 100); do curl -sf "http://127.0.0.1:$port/readyz" >/dev/null && break; sleep 0.1; done
  static=$(run_wrk bench/static.lua /healthz)
  [[ $label == PostgreSQL ]] && pg_reset "$db"
  local t0 l0 t1 l1
  t0=$(trips thread); l0=$(trips loop)
  confirm=$(run_wrk bench/confirm.lua /api/v1/me/confirmations "$tmp/tokens")
  t1=$(trips thread); l1=$(trips loop)
  [[ $label == PostgreSQL ]] && pg_where "$db" "$confirm" >>"$tmp/notes"
  [[ $label == PostgreSQL ]] && pg_reset "$db"
  local c0; c0=$(cpu_ticks "$pid")
  reads=$(run_wrk bench/confirm.lua /api/v1/me "$tmp/tokens" read)
  [[ $label == PostgreSQL ]] && pg_where_reads "$db" "$reads" $(($(cpu_ticks "$pid") - c0)) >>"$tmp/notes"
  [[ $label == PostgreSQL ]] && awk -v c="$(field requests "$confirm")" -v r="$(field requests "$reads")" \
    -v w=$((t1 - t0)) -v l=$(($(trips loop) - l1)) 'BEGIN {printf "PostgreSQL round trips (uchet_db_round_trips_total): the writer %.2f per confirmation; the event loops %.2f per GET /api/v1/me.\n", w / c, l / r}' >>"$tmp/notes"
  metrics=$(curl -s "http://127.0.0.1:$port/metrics")
  kill "$pid"; wait "$pid" || true; pid=
  batches=$(awk '/^uchet_write_batch_size_count/ {print $2}' <<<"$metrics")
  ops=$(awk '/^uchet_write_batch_size_sum/ {print $2}' <<<"$metrics")
  [[ $label == SQLite ]] && row "static baseline (GET /healthz)" "$static" >>"$tmp/rows"
  row "$label: POST /api/v1/me/confirmations" "$confirm" >>"$tmp/rows"
  row "$label: GET /api/v1/me" "$reads" >>"$tmp/rows"
  echo "$label: $batches commits carried $ops operations (mean $(awk -v o="$ops" -v b="$batches" 'BEGIN {printf "%.1f", b ? o / b : 0}') per commit)." >>"$tmp/notes"
  echo "$label confirmations: $(rps "$confirm")/s, p99 $(ms p99_us "$confirm") ms; reads $(rps "$reads")/s; static $(rps "$static")/s"
}

measure "$tmp/bench.db" SQLite
if [[ ${BENCH_PG:-1} == 1 ]]; then
  pg_start "$tmp/pg"
  measure "$PG_URL" PostgreSQL
  two_instances "$PG_URL"
  echo "pgbench simple-update (BEGIN; UPDATE; SELECT; INSERT; END), $CONNS clients, same server and duration: $(pgbench_rate "$PG_URL") transactions/s." >>"$tmp/notes"
  pg_stop
fi

cat > "$OUT" <<MD
## Confirmations of presence (durable)

$PERSONS registered persons, $SESSIONS of them with sessions; wrk, 2 threads, $CONNS connections,
$DURATION per run; every confirmation a fresh idempotency key. A 201 is sent only after its
write is durable: SQLite \`synchronous=FULL\` (WAL), PostgreSQL 15 \`synchronous_commit=on\`,
\`fsync=on\`, on this machine's disk. Both use group commit (one writer thread).

| workload | requests/s | p50 ms | p90 ms | p99 ms | non-2xx | socket errors |
|---|---|---|---|---|---|---|
$(cat "$tmp/rows")

$(sed 's/^/- /' "$tmp/notes")

Target (issue): ≥ 20,000 durable confirmations/s with p99 ≤ 20 ms on 2 cores (SQLite).

Where the time goes (callgrind on the writer, SQLite): per confirmation the writer runs 7-9
statements (session, idempotency look-up, registration + residence, update with the new
deadline, insert, audit head + insert); about 60% of the writer's instructions are in SQLite's
VM, 10% in the audit hash, the rest in JSON and glue. wrk, the event loop and the writer share
the 2 cores.

PostgreSQL (issue 18): the writer's batch costs a constant number of round trips, whatever its
size: BEGIN with the advisory lock; one look-up statement for all the batch's confirmations
(sessions, earlier answers to their keys, active registrations, \`unnest\` over arrays); the
batch's UPDATEs and INSERTs sent in libpq's pipeline mode without waiting; one sync that
collects their answers; COMMIT. The audit chain's head is read once per batch. Before, each
statement was a round trip of its own (about 7 per confirmation). See the round-trip line above.

Reads (GET /api/v1/me: the person's registration, residence and deadline). SQLite runs them
at once on the loop. On PostgreSQL each event loop runs them itself with libpq's asynchronous
API, in fibers, on $DBLOOP_CONNS connections of its own (\`api/dbloop.c\`): the loop never
waits for the server. Since issue 18 GET /me is one statement (session, person, active and
newest ended registration joined) with no transaction around it: one round trip, where it
was six (BEGIN, four SELECTs, the end). See the round-trip line above.

MD
