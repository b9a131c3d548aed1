#!/bin/sh
# bench/mrz/run.sh BUILD_DIR [COUNT] [--update FILE.md]
# Renders COUNT (default 1000) MRZ images with tests/mrz/mrzgen into
# BUILD_DIR/mrz-bench-set, measures both OCR engines (Tesseract on the first
# 200 only: it is slow), and the template engine on 300 zones printed with
# one wrong check digit each (mrzgen's "faulty"; any valid answer there is
# a false valid), and the real set changed thirteen ways (mrz_variants);
# prints a "## Document check (MRZ OCR)" section and, with
# --update, replaces that section in FILE.md (or appends it).
set -eu
build=${1:?usage: run.sh BUILD_DIR [COUNT] [--update FILE.md]}
count=${2:-1000}
update=
if [ "${3:-}" = "--update" ]; then update=${4:?--update needs a file}; fi
gen="$build/src/docs/mrzgen"
bench="$build/src/docs/mrz_bench"
set_dir="$build/mrz-bench-set"
rm -rf "$set_dir"
mkdir -p "$set_dir"
"$gen" "$set_dir" "$count" 12345
tmpl=$("$bench" "$set_dir" template 2>"$set_dir/template-failures.txt")
real_dir=$(dirname "$0")/../../tests/mrz/real
real=$("$bench" "$real_dir" template 2>"$set_dir/real-failures.txt")
faulty_dir="$build/mrz-bench-faulty"
rm -rf "$faulty_dir"
mkdir -p "$faulty_dir"
"$gen" "$faulty_dir" 300 777 faulty
faulty=$("$bench" "$faulty_dir" template 2>"$faulty_dir/template-failures.txt")
variants=$build/src/docs/mrz_variants
varied=""
for v in as turn90 turn180 turn270 tilt:3 tilt:-3 tilt:-6 scale:0.75 scale:0.6 contrast:0.4 persp:0.04 jpeg:40 frame:2; do
  varied="$varied$("$variants" "$real_dir" "$v" 2>>"$set_dir/variants-failures.txt")
"
done
tess_n=$((count < 200 ? count : 200))
tess=$("$bench" "$set_dir" tesseract "$tess_n" 2>"$set_dir/tesseract-failures.txt")
cpu=$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')
section=$(cat <<MD
## Document check (MRZ OCR)

Measured by \`bench/mrz/run.sh\` on $(date -u +%Y-%m-%d), one thread, $cpu.

**Real set** (\`tests/mrz/real\`, 38 photographs and scans of specimen
passports, ID cards, visas and ICAO figures, from konstantint/PassportEye
(MIT, 33) and sivakumar-mahalingam/fastmrz (AGPL-3.0, 5), zones transcribed
by hand with check digits verified; see its README):

\`\`\`
$real
\`\`\`

The handled real images changed as phones and scanners change them
(\`mrz_variants\`: turned, tilted, shrunk, flattened, in perspective,
re-compressed, small in a 12-megapixel phone frame; false_valid must be 0):

\`\`\`
$varied\`\`\`

**Rendered set**: $count rendered by \`tests/mrz/mrzgen\` (seed 12345) from the OCR-B
font of Debian's fonts-ocr-b: TD1, TD2 and TD3 in turn, glyph sizes 18-36 px,
rotation up to ±5°, Gaussian blur σ ≤ 1.2 px, noise σ ≤ 10 grey levels,
uneven light up to 50 %, half of them JPEG at quality 40-90. "Fully correct"
means every character of every line (so every field) equals the ground
truth after the image repairs of the document check; "raw" is the OCR text
before them; not_found = no zone found; false_valid = answered valid (the
expiry aside: most specimens have expired) though a character that a check
digit covers was misread (must be 0);
valid_with_misread_name_or_code = answered valid with a misread only where
no check digit reaches (name, country codes, sex). Time is the process's
CPU time (one core) for decoding + zone search + reading + check, per
image. The Tesseract engine (not the default) shows what check digits
cannot see: its 2 false valids are optional data "<<<<<" read as "KKKKK"
(K = 20, invisible mod 10) and two 5-for-S misreads whose weights 7 and 3
cancel; the default template reader makes neither.

\`\`\`
$tmpl
$tess
\`\`\`

**Faulty set**: 300 zones rendered the same way (seed 777), each printed
with one wrong check digit (\`mrzgen ... faulty\`): every answer must be
invalid, and "fully correct" means read as printed.

\`\`\`
$faulty
\`\`\`
MD
)
printf '%s\n' "$section"
if [ -n "$update" ]; then
  /usr/bin/python3 - "$update" "$section" <<'PY'
import re, sys
path, section = sys.argv[1], sys.argv[2].rstrip() + "\n"
try:
    text = open(path).read()
except FileNotFoundError:
    text = ""
pat = re.compile(r"^## Document check \(MRZ OCR\)\n.*?(?=^## |\Z)", re.S | re.M)
text = pat.sub(lambda m: section + "\n", text) if pat.search(text) else text.rstrip() + ("\n\n" if text else "") + section
open(path, "w").write(text)
PY
fi
