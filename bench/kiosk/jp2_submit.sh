#!/bin/sh
# Submit of a JPEG 2000 kiosk enrolment (docs/BENCHMARKS.md, "Kiosk, JPEG
# 2000 submit"): test_kiosk_jp2's whole enrolment through uchet-devsim
# --image-format jp2, N times; prints uchetd's CPU time (user + system,
# /proc/<pid>/stat) spent on the steps before it (document to signature, the
# six captures verified and judged) and on each submit.
#   UCHET_BUILD=build UCHET_TEST_BACKEND=sqlite bench/kiosk/jp2_submit.sh [N]
set -eu
cd "$(dirname "$0")/../.."
n=${1:-5}
i=0
while [ "$i" -lt "$n" ]; do
    /usr/bin/python3 -m pytest -q -s -p no:cacheprovider tests/api/test_kiosk_jp2.py -k kept_as_png 2>&1 |
        grep -o '[a-z]* CPU: [0-9]* ms' | paste -sd ' '
    i=$((i + 1))
done
