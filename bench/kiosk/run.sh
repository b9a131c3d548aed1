#!/bin/sh
# The scripted kiosk enrolment (docs/BENCHMARKS.md, "Kiosk"): the browser
# test's whole Tajik enrolment through uchet-devsim, every capture passing
# first time, timed by the page itself (window.kiosk.result): personMs from
# the language tap to the receipt, uchetMs the part spent waiting for uchetd.
#   UCHET_BUILD=build-asan bench/kiosk/run.sh
set -eu
cd "$(dirname "$0")/../../tests/browser"
out=$(mktemp)
trap 'rm -f "$out"' EXIT
UCHET_KIOSK_TIMINGS=$out node --test --test-name-pattern='Tajik' kiosk.test.mjs >/dev/null
cat "$out"
echo
