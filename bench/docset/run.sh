#!/usr/bin/env bash
# The document-set reader's pages by degradation level (issue 16): for each
# of docsetgen's levels (0: 300 dpi clean; 1: 150 dpi ±2°; 2: 100 dpi ±4°,
# blur, JPEG; 3: 75 dpi, perspective, glare, stamp - tests/docset/docsetgen.c),
# draws SETS synthetic sets (seeded) and runs the reader's per-page steps
# (straighten, legibility, classification) with bench/docset/page_bench.
# Prints a Markdown section: per level the classification accuracy over the
# clean pages judged legible, clean pages wrongly called illegible, defective
# scans caught, each with a 95% Wilson interval, the time per page (one core,
# this machine) and the commonest confusions. Synthetic pages: they measure
# the reader against docsetgen's drawing, not against real scans.
#   bench/docset/run.sh BUILD_DIR [SETS]
set -euo pipefail
B=${1:?build dir}
SETS=${2:-40}
gen="$B/src/docset/docsetgen"
bench="$B/src/api/docset_page_bench"
[[ -x $gen && -x $bench ]] || { echo "bench/docset: $gen or $bench not built" >&2; exit 0; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
for level in 0 1 2 3; do
  mkdir -p "$work/$level"
  "$gen" --out "$work/$level" --seed 1616 --sets "$SETS" --level "$level" >/dev/null
  taskset -c 0 "$bench" "$work/$level" | grep '^summary ' | sed "s/^summary /$level /" >> "$work/summary"
done
/usr/bin/python3 - "$work/summary" "$SETS" <<'PY'
import json, math, sys

def wilson(k, n):
    if n == 0:
        return "–"
    z = 1.96
    p = k / n
    d = 1 + z * z / n
    c = (p + z * z / (2 * n)) / d
    h = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / d
    return f"{100 * p:.1f}% [{max(0.0, 100 * (c - h)):.1f}, {min(100.0, 100 * (c + h)):.1f}]"

rows = [(int(l.split(" ", 1)[0]), json.loads(l.split(" ", 1)[1])) for l in open(sys.argv[1])]
print("### Document-set pages by degradation level")
print()
print(f"`bench/docset/run.sh` (`make bench`): {sys.argv[2]} synthetic sets per level from `docsetgen --seed 1616`,")
print("the reader's per-page steps (straighten, legibility, classification) on one core, release build.")
print("Synthetic pages drawn by tests/docset (cairo + pango): they measure the reader against that")
print("drawing, not against real scans. 95% Wilson intervals.")
print()
print("| level | pages | classified right (clean pages judged legible) | clean pages called illegible | defective scans caught | turned | s/page |")
print("|---|---|---|---|---|---|---|")
for level, s in rows:
    conf = s["confusion"]
    right = sum(row.get(want, 0) for want, row in conf.items())
    judged = sum(sum(row.values()) for row in conf.values())
    clean = s["pages"] - s["illegible_total"]
    print(f"| {level} | {s['pages']} | {wilson(right, judged)} ({right}/{judged}) | "
          f"{wilson(s['clean_flagged'], clean)} ({s['clean_flagged']}/{clean}) | "
          f"{wilson(s['illegible_caught'], s['illegible_total'])} ({s['illegible_caught']}/{s['illegible_total']}) | "
          f"{s['turned']} | {s['seconds_per_page']:.2f} |")
print()
for level, s in rows:
    wrong = sorted(((n, want, got) for want, row in s["confusion"].items() for got, n in row.items() if got != want),
                   reverse=True)[:4]
    if wrong:
        print(f"Level {level}, commonest confusions (expected → read: pages): "
              + "; ".join(f"{w} → {g}: {n}" for n, w, g in wrong) + ".")
print()
PY
