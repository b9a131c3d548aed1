#!/bin/sh
# bench/bio/quality.sh BUILD_DIR [--update FILE.md]
# Measures the capture-quality checks (src/bio/fpquality, facecheck) with
# BUILD_DIR/src/bio/fpq_bench and face_bench and prints a
# "## Capture quality (fingerprint, face)" section; with --update, replaces
# that section in FILE.md (or appends it).
#   UCHET_AN2K_DIR  NIST reference transactions (default ../shared/data/an2k beside the repository)
#   BIO_EXTRA_JP2   more real finger images, JPEG 2000, space-separated
#                   (e.g. libbiomeval's src/test/test_data/img.jp2)
#   FPQ_SYNTH       synthetic fingers (default 200)
set -eu
build=${1:?usage: quality.sh BUILD_DIR [--update FILE.md]}
update=
if [ "${2:-}" = "--update" ]; then update=${3:?--update needs a file}; fi
an2k=${UCHET_AN2K_DIR:-$(cd "$(dirname "$0")/../.." && pwd)/../shared/data/an2k}
fpq="$build/src/bio/fpq_bench"
face="$build/src/bio/face_bench"
cpu=$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')
load=$(cut -d' ' -f1 /proc/loadavg)
fp_out="(fpq_bench not built: needs libopenjp2-7-dev)"
if [ -x "$fpq" ]; then
  # shellcheck disable=SC2086
  fp_out=$("$fpq" "$an2k" ${BIO_EXTRA_JP2:-} 2>&1)
fi
face_out="(face_bench not built: needs OpenCV, see scripts/deps.sh)"
if [ -x "$face" ]; then face_out=$("$face" 2>&1); fi
section=$(cat <<MD
## Capture quality (fingerprint, face)

Measured by \`bench/bio/quality.sh\` on $(date -u +%Y-%m-%d), one thread, $cpu
(load average $load while measuring: times are CPU time of the process, not
wall time). What the checks compute and why: \`docs/QUALITY.md\`.

**Fingerprints** (\`fpq_bench\`). Good samples: seeded synthetic plain
fingers (\`tests/unit/bio_fixtures.h\`: a crude ridge pattern, not SFinGe) and
real prints from NIST's public-domain files — the Type-3 finger of
\`type3.an2k\` (an inked card print, 250 ppi doubled to 500) and any
\`BIO_EXTRA_JP2\` images, each whole and as overlapping finger-sized tiles
(tiles of one print are not independent samples). Bad samples: every good
one blurred (Gaussian σ 2.6 px), noisy (σ 55 grey levels), faint (contrast
× 0.12), wet (ridges spread by a 5 × 5 minimum filter, darkened, softened),
dry (seeded white breaks, lightened) and partial (only 40 % × 55 % of the box
touched). ROC AUC compares the score of good against degraded samples;
error rates are at the configured threshold (\`fpq_config_default\`).
"Milder copies" are reported apart, outside the AUC: where the threshold
falls between "usable" and "ask again" is a policy choice to tune on a real
scanner. Extra real images in this run: ${BIO_EXTRA_JP2:-none}. (The
published figures used \`img.jp2\` from NIST's usnistgov/libbiomeval,
\`src/test/test_data/\`, commit 27f66b45: an inked, rolled print,
908 × 1007, taken as 500 ppi; public domain like the an2k files.)

\`\`\`
$fp_out
\`\`\`

**Faces** (\`face_bench\`). Portraits packaged in Debian: Grace Hopper
(US Navy, public domain; \`python-matplotlib-data\`) and Eileen Collins
(NASA, public domain; \`python3-skimage\`). Each is first made a kiosk frame
720, 800, 880 and 960 px wide (SAP 40 asks for 768), the background above
the chin replaced by a plain grey (as packaged, Grace Hopper stands before a
flag and rightly fails \`background_busy\`), then
varied deterministically: six variants that keep every rule and one per
rule that must fail (\`tests/unit/face_fixtures.h\`). A source that fails by
itself (the astronaut: face 20 % of the frame, eyes < 90 px apart) gives
only bad variants. Two portraits are far too few for an error rate: read
the table as "each rule fires on its own failure and not on the good
variants", not as a measured false-reject rate.

\`\`\`
$face_out
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
pat = re.compile(r"^## Capture quality \(fingerprint, face\)\n.*?(?=^## |\Z)", re.S | re.M)
text = pat.sub(lambda m: section + "\n", text) if pat.search(text) else text.rstrip() + ("\n\n" if text else "") + section
open(path, "w").write(text)
PY
fi
