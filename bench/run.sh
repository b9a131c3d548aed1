#!/usr/bin/env bash
# make bench: builds a release uchetd, measures, and rewrites docs/BENCHMARKS.md.
# Sections: confirmations/s on SQLite (+ PostgreSQL when that backend is
# built) beside a static baseline; the document check when bench/mrz exists;
# the daily sweep on SQLite and (BENCH_PG=1, the default) on PostgreSQL.
set -euo pipefail
cd "$(dirname "$0")/.."
B=${BUILD_BENCH:-build-bench}
[[ -f $B/build.ninja ]] || meson setup "$B" --buildtype=release -Db_ndebug=true >/dev/null
ninja -C "$B" >/dev/null
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT

bench/confirmations.sh "$B" "$out/10-confirmations.md"
if [[ -x bench/mrz/run.sh ]]; then bench/mrz/run.sh "$B" "${BENCH_MRZ_COUNT:-1000}" > "$out/20-mrz.md"; echo >> "$out/20-mrz.md"; fi
if [[ -x bench/an2k/run.sh ]]; then bench/an2k/run.sh "$B" > "$out/40-an2k.md"; echo >> "$out/40-an2k.md"; fi
if [[ -x bench/sweep.sh ]]; then bench/sweep.sh "$B" "$out/30-sweep.md"; fi
if [[ -x bench/sweep_pg.sh && ${BENCH_PG:-1} == 1 ]]; then bench/sweep_pg.sh "$B" "$out/31-sweep-pg.md"; fi
if [[ -x bench/bio/quality.sh ]]; then bench/bio/quality.sh "$B" > "$out/40-bio-quality.md"; echo >> "$out/40-bio-quality.md"; fi
if [[ -x bench/docset/run.sh ]]; then bench/docset/run.sh "$B" "${BENCH_DOCSET_SETS:-40}" > "$out/50-docset.md"; fi

{
  echo "# Benchmarks"
  echo
  echo "Written by \`make bench\` on $(date -u +%Y-%m-%d) — $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo),"
  echo "$(uname -sr). Load generator and server share the machine, so absolute"
  echo "figures are lower than on separate hosts; the static baseline shows the ceiling."
  echo
  cat "$out"/*.md
} > docs/BENCHMARKS.md
echo "wrote docs/BENCHMARKS.md"
