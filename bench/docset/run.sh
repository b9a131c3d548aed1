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
# Then the fields of the migration card and the patent (docset/fields) per
# level: exact match (95% Wilson interval), values read wrong, character
# error rate (an unread field counts its whole length) and the time to
# classify and read a form.
#   bench/docset/run.sh BUILD_DIR [SETS] [FSETS]
set -euo pipefail
B=${1:?build dir}
SETS=${2:-40}
FSETS=${3:-20}
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
# The fields of the forms docset/fields reads (migration card: patent sets;
# patent: labour-notice sets), FSETS sets of each per level, other pages left out.
for level in 0 1 2 3; do
  for proc in patent labour_notice; do
    d="$work/f$level-$proc"
    mkdir -p "$d"
    "$gen" --out "$d" --seed 1617 --sets "$FSETS" --level "$level" --procedure "$proc" >/dev/null
    rm -f "$d"/*-passport.png "$d"/*-fee_receipt.png
    taskset -c 0 "$bench" "$d" 2>/dev/null | grep '^summary ' | sed "s/^summary /$level /" >> "$work/fields"
  done
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
/usr/bin/python3 - "$work/fields" "$FSETS" <<'PY'
import json, math, sys

def wilson(k, n):
    if n == 0:
        return "–"
    z = 1.96
    p = k / n
    d = 1 + z * z / n
    c = (p + z * z / (2 * n)) / d
    h = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / d
    return f"{100 * p:.0f}% [{max(0.0, 100 * (c - h)):.0f}, {min(100.0, 100 * (c + h)):.0f}]"

levels = {}
for line in open(sys.argv[1]):
    level, js = line.split(" ", 1)
    s = json.loads(js)
    lv = levels.setdefault(int(level), {"fields": {}, "pages": 0, "seconds": 0.0})
    lv["pages"] += s["field_pages"]
    lv["seconds"] += s["classify_seconds_per_form"] * s["field_pages"]
    for key, row in s["fields"].items():
        acc = lv["fields"].setdefault(key, {"n": 0, "exact": 0, "read": 0, "wrong": 0, "cer": 0.0})
        for k in acc:
            acc[k] += row[k]
print("### Document-set fields by degradation level")
print()
print(f"`bench/docset/run.sh`: {sys.argv[2]} patent sets (their migration cards) and {sys.argv[2]} labour-notice")
print("sets (their patents) per level from `docsetgen --seed 1617`; every clean page of the type")
print("counts, read or not. Per cell: exact match (case ignored) with its 95% Wilson interval,")
print("k/n; values read *wrong* (read, and not the printed value); character error rate (an unread")
print("field counts its whole length).")
print()
keys = sorted({k for lv in levels.values() for k in lv["fields"]})
print("| field | " + " | ".join(f"level {l}" for l in sorted(levels)) + " |")
print("|---|" + "---|" * len(levels))
for key in keys:
    cells = []
    for l in sorted(levels):
        r = levels[l]["fields"].get(key)
        if not r:
            cells.append("–")
            continue
        cells.append(f"{wilson(r['exact'], r['n'])} {r['exact']}/{r['n']}; wrong {r['wrong']}; CER {r['cer'] / r['n']:.2f}")
    print(f"| {key} | " + " | ".join(cells) + " |")
print()
print("Seconds to classify a form and read its fields, one core: " + "; ".join(
    f"level {l} {levels[l]['seconds'] / levels[l]['pages']:.2f}" for l in sorted(levels) if levels[l]["pages"]) + ".")
print()
PY
