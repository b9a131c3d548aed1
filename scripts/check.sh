#!/usr/bin/env bash
# make check: unit tests, API tests on SQLite and PostgreSQL, browser tests and
# short fuzz runs, all against the ASan+UBSan build. Stops at the first red suite.
set -euo pipefail
cd "$(dirname "$0")/.."
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=0:halt_on_error=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
export LSAN_OPTIONS=${LSAN_OPTIONS:-suppressions=$PWD/tests/lsan.supp:print_suppressions=0}
BUILD_ASAN=${BUILD_ASAN:-build-asan}
PY=/usr/bin/python3
step() { printf '\n=== %s ===\n' "$*"; }

step "banned calls"
scripts/banned.sh

step "C formatting (.clang-format; scripts/format-check.sh --fix formats)"
scripts/format-check.sh

step "test imports provided by declared packages (scripts/deps.sh, tests/browser/package.json)"
$PY scripts/check-imports.py

step "unit tests (cmocka)"
meson test -C "$BUILD_ASAN" --suite unit --print-errorlogs

# The API tests mostly wait (for uchetd to start, for argon2, for the disk):
# API_WORKERS pytest-xdist workers overlap them (0: one process, no xdist).
# Then the tests marked `serial` (they time answers or load the server with
# hundreds of requests) run alone. See docs/ARCHITECTURE.md, "Tests".
API_WORKERS=${API_WORKERS:-2}
api() {
  step "API tests on $1 ($API_WORKERS workers)"
  UCHET_BUILD=$BUILD_ASAN UCHET_TEST_BACKEND=$2 $PY -m pytest -q -p no:cacheprovider -n "$API_WORKERS" --dist loadgroup \
    -m "not serial" tests/api
  step "API tests on $1, timing- and load-sensitive ones alone"
  UCHET_BUILD=$BUILD_ASAN UCHET_TEST_BACKEND=$2 $PY -m pytest -q -p no:cacheprovider -m serial tests/api
}

api SQLite sqlite

if [[ -f tests/api/pg.py ]] && grep -q db_pg.c src/store/meson.build; then
  api PostgreSQL postgres
else
  step "API tests on PostgreSQL: SKIPPED (backend not built yet)"
fi

if [[ -x tests/browser/run.sh ]]; then
  step "browser tests (Chromium)"
  UCHET_BUILD=$BUILD_ASAN tests/browser/run.sh
fi

step "ThreadSanitizer under load (also proves the -O2 build compiles)"
scripts/tsan-smoke.sh

step "fuzz targets (short runs)"
make --no-print-directory fuzz FUZZ_SECONDS="${FUZZ_SECONDS:-10}"

echo
echo "make check: all suites passed"
