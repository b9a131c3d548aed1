#!/usr/bin/env bash
# Runs every libFuzzer target built in $1 for FUZZ_SECONDS each, starting from
# tests/fuzz/corpus/<target>/ when present. Any crash fails the run.
set -euo pipefail
dir=${1:?build dir}
secs=${FUZZ_SECONDS:-15}
shopt -s nullglob
found=0
for bin in $(find "$dir" -maxdepth 4 -type f -name 'fuzz_*' -perm -u+x | sort); do
  bin=$(realpath "$bin")
  name=$(basename "$bin")
  corpus=$(mktemp -d)
  seeds="tests/fuzz/corpus/$name"
  [[ -d $seeds ]] && cp -r "$seeds"/. "$corpus"/
  echo "fuzz: $name for ${secs}s"
  dict=(); [[ -f tests/fuzz/${name#fuzz_}.dict ]] && dict=(-dict="$PWD/tests/fuzz/${name#fuzz_}.dict")
  log=$(mktemp)
  status=0
  (cd "$corpus" && "$bin" -max_total_time="$secs" -max_len=65536 -print_final_stats=1 "${dict[@]}" . ) >"$log" 2>&1 || status=$?
  grep -E 'stat::number_of_executed_units|ERROR|SUMMARY' "$log" || true
  if [[ $status -ne 0 ]]; then tail -n 40 "$log" >&2; echo "fuzz: $name FAILED" >&2; exit 1; fi
  rm -rf "$corpus" "$log"
  found=$((found + 1))
done
echo "fuzz: $found target(s) ran clean"
[[ $found -gt 0 ]]
