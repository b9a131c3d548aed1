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

step "test imports provided by declared packages (scripts/deps.sh, tests/browser/package.json)"
$PY scripts/check-imports.py

step "unit tests (cmocka)"
meson test -C "$BUILD_ASAN" --suite unit --print-errorlogs

step "API tests on SQLite"
UCHET_BUILD=$BUILD_ASAN UCHET_TEST_BACKEND=sqlite $PY -m pytest -q -p no:cacheprovider tests/api

if [[ -f tests/api/pg.py ]] && grep -q db_pg.c src/store/meson.build; then
  step "API tests on PostgreSQL"
  UCHET_BUILD=$BUILD_ASAN UCHET_TEST_BACKEND=postgres $PY -m pytest -q -p no:cacheprovider tests/api
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
