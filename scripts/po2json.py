#!/usr/bin/python3
"""Turn po/<lang>.po into web/app/i18n/<lang>.json for the app.

The .po files are the one source of truth for every string the app shows
(and for the server's notices). msgid is a stable key, msgstr the text.
Fuzzy and empty entries are left out, so the app falls back to Russian.

    scripts/po2json.py            write the JSON files
    scripts/po2json.py --check    exit 1 if any JSON file is out of date

Standard library only (Debian's /usr/bin/python3).
"""
import argparse
import json
import os
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PO_DIR = os.path.join(ROOT, "po")
OUT_DIR = os.path.join(ROOT, "web", "app", "i18n")
ESCAPES = {"n": "\n", "t": "\t", '"': '"', "\\": "\\", "r": "\r"}


class PoError(Exception):
    pass


def unquote(token, where):
    """The text of one "quoted" po string, with C escapes resolved."""
    if len(token) < 2 or token[0] != '"' or token[-1] != '"':
        raise PoError(f"{where}: expected a quoted string")
    out, i, body = [], 0, token[1:-1]
    while i < len(body):
        ch = body[i]
        if ch == "\\":
            if i + 1 >= len(body) or body[i + 1] not in ESCAPES:
                raise PoError(f"{where}: bad escape")
            out.append(ESCAPES[body[i + 1]])
            i += 2
        else:
            out.append(ch)
            i += 1
    return "".join(out)


def parse(path):
    """Returns {msgid: msgstr} for the translated, non-fuzzy entries."""
    entries, cur, field, fuzzy = {}, {}, None, False

    def flush():
        nonlocal cur, field, fuzzy
        if "msgid" in cur:
            key, text = cur["msgid"], cur.get("msgstr", "")
            if key in entries:
                raise PoError(f"{path}: duplicate msgid {key!r}")
            if key and text and not fuzzy:
                entries[key] = text
        cur, field, fuzzy = {}, None, False

    with open(path, encoding="utf-8") as f:
        for n, raw in enumerate(f, 1):
            line, where = raw.strip(), f"{path}:{n}"
            if not line:
                flush()
            elif line.startswith("#,") and "fuzzy" in line:
                fuzzy = True
            elif line.startswith("#"):
                continue
            elif line.startswith('"'):
                if field is None:
                    raise PoError(f"{where}: continuation without a keyword")
                cur[field] += unquote(line, where)
            else:
                keyword, _, rest = line.partition(" ")
                if keyword not in ("msgid", "msgstr", "msgctxt"):
                    raise PoError(f"{where}: unsupported keyword {keyword!r}")
                if keyword == "msgid" and "msgid" in cur:
                    flush()
                field = keyword
                cur[field] = unquote(rest.strip(), where)
    flush()
    return entries


def render(lang, messages):
    doc = {"language": lang, "messages": dict(sorted(messages.items()))}
    return json.dumps(doc, ensure_ascii=False, indent=1) + "\n"


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--check", action="store_true", help="only check, write nothing")
    args = ap.parse_args()
    stale = []
    os.makedirs(OUT_DIR, exist_ok=True)
    for name in sorted(os.listdir(PO_DIR)):
        if not name.endswith(".po"):
            continue
        lang = name[:-3]
        try:
            text = render(lang, parse(os.path.join(PO_DIR, name)))
        except PoError as e:
            print(f"po2json: {e}", file=sys.stderr)
            return 2
        out = os.path.join(OUT_DIR, lang + ".json")
        old = None
        if os.path.exists(out):
            with open(out, encoding="utf-8") as f:
                old = f.read()
        if old == text:
            continue
        stale.append(out)
        if not args.check:
            with open(out, "w", encoding="utf-8") as f:
                f.write(text)
    if args.check and stale:
        for path in stale:
            print(f"po2json: out of date: {os.path.relpath(path, ROOT)}", file=sys.stderr)
        print("po2json: run scripts/po2json.py", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
