#!/bin/sh
# Reports C files that clang-format (with the repository's .clang-format)
# would change, and how many lines; exits 1 if any. Not yet part of
# scripts/check.sh: the tree is formatted once first (see issue 19).
#   scripts/format-check.sh            every tracked C file
#   scripts/format-check.sh FILE...    just these
#   scripts/format-check.sh --count    only the total of lines that would change
set -eu
cd "$(dirname "$0")/.."
command -v clang-format >/dev/null || { echo "format-check: clang-format is not installed (scripts/deps.sh check)" >&2; exit 2; }
count_only=0
if [ "${1:-}" = "--count" ]; then count_only=1; shift; fi
if [ $# -eq 0 ]; then
    set -- $(git ls-files '*.c' '*.h')
fi
total=0
files=0
for f in "$@"; do
    n=$(clang-format --style=file "$f" | diff "$f" - | grep -c '^>' || true)
    if [ "$n" -gt 0 ]; then
        files=$((files + 1))
        total=$((total + n))
        [ $count_only -eq 1 ] || echo "$f: $n line(s) would change"
    fi
done
echo "format-check: $total line(s) in $files file(s) would change"
[ "$total" -eq 0 ]
