#!/bin/sh
# Browser tests of the app against a real uchetd (see harness.mjs).
# Installs the npm dependencies when missing or out of date, then runs node's test runner.
# Env: UCHET_BUILD (build dir, default <repo>/build), CHROMIUM.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
cd "$here"
# npm writes node_modules/.package-lock.json; an older one than the lock
# file means a dependency was added since (axe-core was, after playwright).
if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
    npm ci --no-audit --no-fund --loglevel=error
fi
exec node --test --test-concurrency=1 --test-reporter=spec ./*.test.mjs
