#!/usr/bin/env bash
# The document-set reader's pages by degradation level (issue 16): for each
# of docsetgen's levels (0: 300 dpi clean; 1: 150 dpi ±2°; 2: 100 dpi ±4°,
# blur, stamp, JPEG 70; 3: 75 dpi ±5°, blur, glare, stamp, JPEG 50, a
# keystone - tests/docset/docsetgen.c),
# draws SETS synthetic sets (seeded) and runs the reader's per-page steps
# (straighten, legibility, classification) with bench/docset/page_bench.
# Prints a Markdown section: per level the classification accuracy over the
# clean pages judged legible, clean pages wrongly called illegible, defective
# scans caught, each with a 95% Wilson interval, the time per page (one core,
# this machine) and the commonest confusions. Synthetic pages: they measure
# the reader against docsetgen's drawing, not against real scans.
# Each of those sets is also checked as uchetd checks it (the drawn pages as
# read; documents docsetgen draws no page for yet, as generated) and its
# outcome scored against the generator's label: false accepts, false
# returns, referrals, variant false alarms, and per defect whether its code
# was named. About a third of the sets carry a defect (one that cannot apply
# to a set leaves it clean): SETS=1000 gives the 300 defective sets issue 16
# asks for.
# Then the fields of the forms docset/fields reads (the migration card, the
# passport's translation, the certificates, the patent) per
# level: exact match (95% Wilson interval), values read wrong, character
# error rate (an unread field counts its whole length) and the time to
# classify and read a form.
# bench/docset/report.py writes both sections from page_bench's summaries.
#   bench/docset/run.sh BUILD_DIR [SETS] [FSETS]
set -euo pipefail
B=${1:?build dir}
SETS=${2:-40}
FSETS=${3:-20}
gen="$B/src/docset/docsetgen"
bench="$B/src/api/docset_page_bench"
[[ -x $gen && -x $bench ]] || { echo "bench/docset: $gen or $bench not built" >&2; exit 0; }
root=$(cd "$(dirname "$0")/../.." && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
# The photographs from Debian's two public-domain portraits (real faces,
# tests/docset/README.md), when installed (scripts/deps.sh check).
portraits=()
for p in /usr/share/matplotlib/mpl-data/sample_data/grace_hopper.jpg \
         /usr/lib/python3/dist-packages/skimage/data/astronaut.png; do
  [[ -r $p ]] && portraits+=(--portrait "$p")
done
for level in 0 1 2 3; do
  mkdir -p "$work/$level"
  "$gen" --out "$work/$level" --seed 1616 --sets "$SETS" --level "$level" "${portraits[@]}" >/dev/null
  taskset -c 0 "$bench" "$work/$level" "$root/data/docsets/catalogue.json" "$root/data" \
    | grep '^summary ' | sed "s/^summary /$level /" >> "$work/summary"
done
# The fields of the forms docset/fields reads (migration card, translation,
# certificates: patent sets; patent, employer's notice, labour contract:
# labour-notice sets), FSETS sets of each per level, other pages left out.
for level in 0 1 2 3; do
  for proc in patent labour_notice; do
    d="$work/f$level-$proc"
    mkdir -p "$d"
    "$gen" --out "$d" --seed 1617 --sets "$FSETS" --level "$level" --procedure "$proc" >/dev/null
    rm -f "$d"/*-passport.png "$d"/*-fee_receipt.png "$d"/*-passport.jpg "$d"/*-fee_receipt.jpg
    taskset -c 0 "$bench" "$d" 2>/dev/null | grep '^summary ' | sed "s/^summary /$level /" >> "$work/fields"
  done
done
/usr/bin/python3 "$(dirname "$0")/report.py" "$work/summary" "$SETS" "$work/fields" "$FSETS"
