#!/usr/bin/env bash
# Confirmations/s and latency against uchetd on SQLite (100,000 registered
# persons, 64 connections, wrk + bench/confirm.lua), beside a static baseline.
set -euo pipefail
B=$1; OUT=$2
PERSONS=${BENCH_PERSONS:-100000}; SESSIONS=${BENCH_SESSIONS:-10000}
DURATION=${BENCH_DURATION:-15s}; CONNS=${BENCH_CONNS:-64}
tmp=$(mktemp -d); port=$((20000 + RANDOM % 20000))
cleanup() { [[ -n ${pid:-} ]] && kill "$pid" 2>/dev/null; wait 2>/dev/null; rm -rf "$tmp"; }
trap cleanup EXIT

db=$tmp/bench.db
"$B/src/cli/uchetctl" --database "$db" init >/dev/null
"$B/src/cli/uchetctl" --database "$db" bench-seed --persons "$PERSONS" --sessions "$SESSIONS" --tokens-out "$tmp/tokens" >/dev/null
"$B/src/api/uchetd" --database "$db" --listen 127.0.0.1:$port --log-level warn \
  --clock 2025-10-31T10:00+03:00 ${BENCH_THREADS:+--threads $BENCH_THREADS} --no-sweep >"$tmp/uchetd.log" 2>&1 &
pid=$!
for _ in $(seq 100); do curl -sf "http://127.0.0.1:$port/readyz" >/dev/null && break; sleep 0.1; done

run_wrk() {   # script, path, extra...
  wrk -t2 -c"$CONNS" -d"$DURATION" --latency -s "$1" "http://127.0.0.1:$port$2" -- "${@:3}" | grep '^RESULT'
}
field() { sed -E "s/.*$1=([0-9]+).*/\1/" <<<"$2"; }
static=$(run_wrk bench/static.lua /healthz)
confirm=$(run_wrk bench/confirm.lua /api/v1/me/confirmations "$tmp/tokens")
metrics=$(curl -s "http://127.0.0.1:$port/metrics")
batches=$(awk '/^uchet_write_batch_size_count/ {print $2}' <<<"$metrics")
ops=$(awk '/^uchet_write_batch_size_sum/ {print $2}' <<<"$metrics")
kill "$pid"; wait "$pid" || true; pid=

rps() { awk -v r="$(field requests "$1")" -v d="$(field duration_us "$1")" 'BEGIN {printf "%.0f", r / (d / 1e6)}'; }
ms() { awk -v u="$(field "$1" "$2")" 'BEGIN {printf "%.2f", u / 1000}'; }
stored=$(sqlite3 "$db" "SELECT COUNT(*) FROM confirmations")
cat > "$OUT" <<MD
## Confirmations of presence (SQLite, durable)

$PERSONS registered persons, $SESSIONS of them with sessions; wrk, 2 threads, $CONNS connections,
$DURATION per run; every confirmation a fresh idempotency key; \`synchronous=FULL\`,
so each 201 was fsynced before it was sent (group commit).

| workload | requests/s | p50 ms | p90 ms | p99 ms | non-2xx | socket errors |
|---|---|---|---|---|---|---|
| static baseline (GET /healthz) | $(rps "$static") | $(ms p50_us "$static") | $(ms p90_us "$static") | $(ms p99_us "$static") | $(field non2xx "$static") | $(field errors "$static") |
| POST /api/v1/me/confirmations | $(rps "$confirm") | $(ms p50_us "$confirm") | $(ms p90_us "$confirm") | $(ms p99_us "$confirm") | $(field non2xx "$confirm") | $(field errors "$confirm") |

Write batches: $batches commits carried $ops operations (mean $(awk -v o="$ops" -v b="$batches" 'BEGIN {printf "%.1f", b ? o / b : 0}') per fsync).
Rows in \`confirmations\` afterwards: $stored (each acknowledged request is one row).
Target (issue): ≥ 20,000 durable confirmations/s with p99 ≤ 20 ms on 2 cores.

MD
echo "confirmations: $(rps "$confirm")/s, p99 $(ms p99_us "$confirm") ms; static $(rps "$static")/s"
