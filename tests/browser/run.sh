#!/bin/sh
# Browser tests of the app against a real uchetd (see harness.mjs).
# Installs the npm dependencies when missing, then runs node's test runner.
# Env: UCHET_BUILD (build dir, default <repo>/build), CHROMIUM.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
cd "$here"
if [ ! -f node_modules/playwright-core/package.json ]; then
    npm ci --no-audit --no-fund --loglevel=error
fi
exec node --test --test-concurrency=1 --test-reporter=spec ./*.test.mjs
