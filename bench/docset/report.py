#!/usr/bin/python3
"""The document-set bench's two Markdown sections (bench/docset/run.sh).

    report.py PAGES_SUMMARY SETS FIELDS_SUMMARY FSETS

PAGES_SUMMARY and FIELDS_SUMMARY hold page_bench's `summary` lines, each
prefixed with its degradation level; SETS and FSETS are the set counts drawn
per level, for the text.
"""
import json
import math
import sys


def wilson(k, n, places):
    """k/n as a percentage with its 95% Wilson score interval."""
    if n == 0:
        return "–"
    z = 1.96
    p = k / n
    d = 1 + z * z / n
    c = (p + z * z / (2 * n)) / d
    h = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / d
    lo, hi = max(0.0, 100 * (c - h)), min(100.0, 100 * (c + h))
    return f"{100 * p:.{places}f}% [{lo:.{places}f}, {hi:.{places}f}]"


def level_lines(path):
    for line in open(path):
        level, js = line.split(" ", 1)
        yield int(level), json.loads(js)


def pages_section(path, sets):
    rows = list(level_lines(path))
    print("### Document-set pages by degradation level")
    print()
    print(f"`bench/docset/run.sh` (`make bench`): {sets} synthetic sets per level from `docsetgen --seed 1616`,")
    print("the reader's per-page steps (straighten, legibility, classification) on one core, release build.")
    print("Synthetic pages drawn by tests/docset (cairo + pango): they measure the reader against that")
    print("drawing, not against real scans; the photographs are real portraits (Debian's two public-domain")
    print("ones). Levels: 0 = 300 dpi PNG; 1 = 150 dpi, ±2°, PNG; 2 = 100 dpi, ±4°, blur, stamp, JPEG 70;")
    print("3 = 75 dpi, ±5°, blur, glare, stamp, JPEG 50, keystone. 95% Wilson intervals.")
    print()
    print("| level | pages | classified right (clean pages judged legible) | clean pages called illegible "
          "| defective scans caught | turned | s/page |")
    print("|---|---|---|---|---|---|---|")
    for level, s in rows:
        conf = s["confusion"]
        right = sum(row.get(want, 0) for want, row in conf.items())
        judged = sum(sum(row.values()) for row in conf.values())
        clean = s["pages"] - s["illegible_total"]
        print(f"| {level} | {s['pages']} | {wilson(right, judged, 1)} ({right}/{judged}) | "
              f"{wilson(s['clean_flagged'], clean, 1)} ({s['clean_flagged']}/{clean}) | "
              f"{wilson(s['illegible_caught'], s['illegible_total'], 1)} "
              f"({s['illegible_caught']}/{s['illegible_total']}) | "
              f"{s['turned']} | {s['seconds_per_page']:.2f} |")
    print()
    for level, s in rows:
        wrong = sorted(((n, want, got) for want, row in s["confusion"].items()
                        for got, n in row.items() if got != want), reverse=True)[:4]
        if wrong:
            print(f"Level {level}, commonest confusions (expected → read: pages): "
                  + "; ".join(f"{w} → {g}: {n}" for n, w, g in wrong) + ".")
    print()


def sets_section(path, sets):
    rows = [(level, s["sets"]) for level, s in level_lines(path) if "sets" in s]
    if not rows:
        return
    print("### Document-set outcomes by degradation level")
    print()
    print(f"The same {sets} sets per level, each checked as uchetd checks it: its drawn pages as the reader")
    print("read them (type, legibility, fields), one page one document, and `docset_check` with the")
    print("catalogue and the official calendar. Every document the catalogue asks for is drawn and read")
    print("(the photograph when Debian's portraits are installed: else it enters as generated, as if")
    print("read without a slip). About two sets in three are clean, the others carry one labelled")
    print("defect (tests/docset/README.md). 95% Wilson intervals.")
    print()
    print("| level | sets | false accept (defective called ready) | false return (clean returned) "
          "| referred | variant false alarms |")
    print("|---|---|---|---|---|---|")
    for level, t in rows:
        print(f"| {level} | {t['sets']} | {wilson(t['false_accept'], t['defective'], 1)} "
              f"({t['false_accept']}/{t['defective']}) | {wilson(t['false_return'], t['clean'], 1)} "
              f"({t['false_return']}/{t['clean']}) | {wilson(t['referred'], t['sets'], 1)} "
              f"({t['referred']}/{t['sets']}) | {t['variant_alarms']}/{t['variants']} |")
    print()
    defects = sorted({d for _, t in rows for d in t["defects"]})
    print("Per defect: sets whose expected outcome and code were given (named), k/n, and how many")
    print("were not called ready.")
    print()
    print("| defect | " + " | ".join(f"level {level}" for level, _ in rows) + " |")
    print("|---|" + "---|" * len(rows))
    for d in defects:
        cells = []
        for _, t in rows:
            r = t["defects"].get(d)
            cells.append(f"named {r['named']}/{r['n']}, not ready {r['not_ready']}" if r else "–")
        print(f"| {d} | " + " | ".join(cells) + " |")
    print()


def fields_by_level(path):
    levels = {}
    for level, s in level_lines(path):
        lv = levels.setdefault(level, {"fields": {}, "pages": 0, "seconds": 0.0})
        lv["pages"] += s["field_pages"]
        lv["seconds"] += s["classify_seconds_per_form"] * s["field_pages"]
        for key, row in s["fields"].items():
            acc = lv["fields"].setdefault(key, {"n": 0, "exact": 0, "read": 0, "wrong": 0, "cer": 0.0})
            for k in acc:
                acc[k] += row[k]
    return levels


def field_cell(r):
    if not r or r["n"] == 0:
        return "–"
    return (f"{wilson(r['exact'], r['n'], 0)} {r['exact']}/{r['n']}; wrong {r['wrong']}; "
            f"CER {r['cer'] / r['n']:.2f}")


def fields_section(path, sets):
    levels = fields_by_level(path)
    print("### Document-set fields by degradation level")
    print()
    print(f"`bench/docset/run.sh`: {sets} patent sets (their migration cards, passport translations and")
    print(f"certificates) and {sets} labour-notice sets (their patents, employer's notices and labour")
    print("contracts) per level from `docsetgen --seed")
    print("1617`; every clean page of the type")
    print("counts, read or not. Per cell: exact match (case ignored) with its 95% Wilson interval,")
    print("k/n; values read *wrong* (read, and not the printed value); character error rate (an unread")
    print("field counts its whole length).")
    print()
    keys = sorted({k for lv in levels.values() for k in lv["fields"]})
    print("| field | " + " | ".join(f"level {l}" for l in sorted(levels)) + " |")
    print("|---|" + "---|" * len(levels))
    for key in keys:
        cells = [field_cell(levels[l]["fields"].get(key)) for l in sorted(levels)]
        print(f"| {key} | " + " | ".join(cells) + " |")
    print()
    print("Seconds to classify a form and read its fields, one core: " + "; ".join(
        f"level {l} {levels[l]['seconds'] / levels[l]['pages']:.2f}"
        for l in sorted(levels) if levels[l]["pages"]) + ".")
    print()


if __name__ == "__main__":
    pages_section(sys.argv[1], sys.argv[2])
    sets_section(sys.argv[1], sys.argv[2])
    fields_section(sys.argv[3], sys.argv[4])
