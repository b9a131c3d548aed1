#!/usr/bin/env bash
# A short ThreadSanitizer run of uchetd under concurrent load: two event
# loops, the writer, the slow lane and the sweep scheduler all busy at once,
# on SQLite and then on a throwaway PostgreSQL (where each loop runs its reads
# in a fiber: every switch is announced to TSan, see base/fiber.c). Any data
# race report fails it. (A full test suite under TSan would take too long for
# CI; this is the part where threads meet.)
set -euo pipefail
source "$(dirname "$0")/throwaway-pg.sh"
cd "$(dirname "$0")/.."
B=${BUILD_TSAN:-build-tsan}
[[ -f $B/build.ninja ]] || CC=gcc meson setup "$B" --buildtype=debugoptimized -Db_sanitize=thread -Db_lundef=false -Docr=false >/dev/null
ninja -C "$B" src/api/uchetd src/cli/uchetctl >/dev/null
tmp=$(mktemp -d)
trap 'kill ${pid:-} ${pgpid:-} 2>/dev/null || true; wait 2>/dev/null || true; rm -rf "$tmp"' EXIT

# smoke DB LABEL: loads a fresh uchetd on DB with confirmations, reads and
# log-ins at once; fails on any race report.
smoke() {
  local db=$1 label=$2 port=$((20000 + RANDOM % 20000))
  "$B/src/cli/uchetctl" --database "$db" init >/dev/null
  [ -f "$tmp/totp.key" ] || "$B/src/cli/uchetctl" keys totp-init --key-file "$tmp/totp.key" >/dev/null
  "$B/src/cli/uchetctl" --database "$db" bench-seed --persons 2000 --sessions 500 --tokens-out "$tmp/tokens" >/dev/null
  TSAN_OPTIONS="halt_on_error=0 report_signal_unsafe=0" "$B/src/api/uchetd" --database "$db" \
    --listen 127.0.0.1:$port --threads 2 --clock 2025-10-31T10:00+03:00 --argon2-memlimit-kib 8192 \
    --vapid-key-file "$tmp/vapid.pem" --totp-key-file "$tmp/totp.key" >"$tmp/log" 2>&1 &
  pid=$!
  for _ in $(seq 100); do curl -sf "http://127.0.0.1:$port/readyz" >/dev/null && break; sleep 0.1; done
  wrk -t1 -c8 -d4s -s bench/confirm.lua "http://127.0.0.1:$port/api/v1/me/confirmations" -- "$tmp/tokens" |
    sed "s/^RESULT/$label writes:/;t;d" &
  wrk -t1 -c8 -d4s -s bench/confirm.lua "http://127.0.0.1:$port/api/v1/me" -- "$tmp/tokens" read |
    sed "s/^RESULT/$label reads:/;t;d" &
  for i in $(seq 8); do   # log-ins on the slow lane meanwhile
    curl -s -o /dev/null -X POST "http://127.0.0.1:$port/api/v1/session" -H 'content-type: application/json' \
      -d '{"document_kind":"card","document_number":"B000000001","password":"wrong password"}' &
  done
  for j in $(jobs -p); do [[ $j == "$pid" || $j == "${pgpid:-}" ]] || wait "$j" || true; done
  kill -TERM "$pid"; wait "$pid" || true; pid=
  if grep -q "WARNING: ThreadSanitizer" "$tmp/log"; then
    grep -A30 "WARNING: ThreadSanitizer" "$tmp/log" | head -80 >&2
    echo "tsan-smoke: data races found ($label)" >&2
    exit 1
  fi
  echo "tsan-smoke: no data race under load ($label)"
}

smoke "$tmp/t.db" SQLite
if [[ -x /usr/lib/postgresql/15/bin/initdb ]]; then
  pg_start "$tmp/pg"
  smoke "$PG_URL" PostgreSQL
  pg_stop
fi
