#!/usr/bin/env bash
# Installs, from Debian's packages, what uchet needs. Idempotent: installs only
# what is missing, so a second run costs a few dpkg queries.
#   scripts/deps.sh run     build + runtime (make run)
#   scripts/deps.sh check   + test tooling (make check)
#   scripts/deps.sh bench   + wrk (make bench)
#   scripts/deps.sh ha      + Patroni, etcd, haproxy (make check-ha)
set -euo pipefail

run_pkgs=(gcc make meson ninja-build pkg-config libh2o-evloop-dev libjansson-dev libsodium-dev
  libinih-dev libsqlite3-dev sqlite3 libpq-dev libssl-dev libcurl4-openssl-dev libtesseract-dev
  libleptonica-dev tesseract-ocr-eng libpng-dev libjpeg-dev libfreetype-dev fonts-ocr-b
  fonts-dejavu-core) # the MRZ reader's second template font (src/docs/ocr.c)
check_pkgs=(libcmocka-dev clang libclang-rt-14-dev python3 python3-pytest python3-httpx python3-httpcore
  python3-cryptography python3-pil python3-numpy python3-psycopg2 python3-yaml postgresql-15 postgresql-client-15 chromium nodejs npm
  valgrind wrk curl bc)
# uchet-devsim's face camera: the public-domain Grace Hopper portrait
# (/usr/share/matplotlib/mpl-data/sample_data/grace_hopper.jpg); tests/api/test_devsim.py
check_pkgs+=(python-matplotlib-data)
# make check runs the API suites in two pytest workers (pytest -n 2, issue 19)
check_pkgs+=(python3-pytest-xdist)
bench_pkgs=(wrk)
# tests/api/test_proxy.py: the production front (deploy/nginx) in front of uchetd,
# with TLS and HTTP/2; openssl makes its throwaway certificate (issue 12).
check_pkgs+=(nginx openssl)
ha_pkgs=(postgresql-15 patroni etcd-server haproxy python3-yaml curl)

# bio quality (issue 13): src/bio/facecheck.cpp is C++ over OpenCV 4 with its Haar cascades
run_pkgs+=(g++)
# passkeys (issue 17): attestation objects and COSE keys are CBOR (src/rules/webauthn.c)
run_pkgs+=(libcbor-dev)
run_pkgs+=(libopencv-core-dev)
run_pkgs+=(libopencv-imgproc-dev)
run_pkgs+=(libopencv-objdetect-dev)
run_pkgs+=(opencv-data)
# JPEG 2000 as SBI devices send it (src/bio/jp2.c; also bench/bio/fpq_bench's NIST records)
run_pkgs+=(libopenjp2-7-dev)
# face tests and bench: public-domain portraits (Grace Hopper; NASA's astronaut)
check_pkgs+=(python-matplotlib-data)
check_pkgs+=(python3-skimage)
# document sets (issue 16): PDF pages (poppler in a confined child), payment
# QR codes (zbar), page titles in Russian (tesseract's rus model), the
# Tajik and Uzbek letters of a Cyrillic name (tgk: Ғ Қ Ҳ Ҷ Ӣ Ӯ)
run_pkgs+=(libpoppler-glib-dev libcairo2-dev libzbar-dev tesseract-ocr-rus tesseract-ocr-osd tesseract-ocr-tgk)
# ... and the Kazakh and Kyrgyz letters (kaz: Ә Ө Ү Ұ Ң Қ Ғ І Һ)
run_pkgs+=(tesseract-ocr-kaz)

# printed documents (src/print: the kiosk receipt, the activation letter):
# cairo + pango in the Noto fonts, QR codes; tests read them back with
# pdftotext/pdftoppm (poppler-utils) and zbarimg (zbar-tools)
run_pkgs+=(libcairo2-dev libpango1.0-dev libqrencode-dev fonts-noto-core fonts-noto-cjk)
check_pkgs+=(poppler-utils zbar-tools)

# the desk's two-factor log-in (issue 15): TOTP codes (RFC 6238)
run_pkgs+=(liboath-dev)
# ... and the QR code of its enrolment, drawn by the desk page
run_pkgs+=(libqrencode-dev)

want=("${run_pkgs[@]}")
case "${1:-run}" in
  run) ;;
  check) want+=("${check_pkgs[@]}") ;;
  bench) want+=("${check_pkgs[@]}" "${bench_pkgs[@]}") ;;
  ha) want+=("${ha_pkgs[@]}") ;;
  *) echo "usage: $0 run|check|bench|ha" >&2; exit 2 ;;
esac
# The document-set synthetic generator (tests/docset/, issue 16): pages drawn
# with cairo + pango in Debian's fonts, payment QR codes with libqrencode.
if [[ ${1:-run} == check || ${1:-run} == bench ]]; then
  want+=(libcairo2-dev libpango1.0-dev fonts-paratype fonts-liberation2 fonts-dejavu-core libqrencode-dev)
fi

# scripts/format-check.sh (issue 19; .clang-format is written for version 14)
if [[ ${1:-run} == check ]]; then want+=(clang-format-14); fi

missing=()
for p in "${want[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
# Node.js may come from outside Debian's packages on some machines; accept it if present.
if command -v node >/dev/null && command -v npm >/dev/null; then
  tmp=(); for p in "${missing[@]}"; do [[ $p == nodejs || $p == npm ]] || tmp+=("$p"); done
  missing=("${tmp[@]}")
fi
if ((${#missing[@]})); then
  echo "deps: installing ${missing[*]}"
  if [[ $(id -u) -ne 0 ]]; then SUDO=sudo; else SUDO=; fi
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
echo "deps: ok (${1:-run})"
