#!/bin/sh
# Fails (exit 1) if clang-format, with the repository's .clang-format, would
# change any tracked C file, and names each such file with its count of
# places; a step of scripts/check.sh. One clang-format process reads every
# file, so the check takes seconds. To format: scripts/format-check.sh --fix
#   scripts/format-check.sh            every tracked C file
#   scripts/format-check.sh FILE...    just these
#   scripts/format-check.sh --fix      rewrite the files in place instead
set -eu
cd "$(dirname "$0")/.."
command -v clang-format >/dev/null || { echo "format-check: clang-format is not installed (scripts/deps.sh check)" >&2; exit 2; }
fix=0
if [ "${1:-}" = "--fix" ]; then fix=1; shift; fi
if [ $# -eq 0 ]; then
    set -- $(git ls-files '*.c' '*.h')
fi
if [ $fix -eq 1 ]; then
    exec clang-format --style=file -i "$@"
fi
report=$(clang-format --style=file --dry-run "$@" 2>&1 | sed -n 's/^\([^:]*\):[0-9]*:[0-9]*: warning: code should be clang-formatted.*/\1/p' | sort | uniq -c)
if [ -z "$report" ]; then
    echo "format-check: $# file(s) formatted"
    exit 0
fi
echo "$report" | awk '{ printf "%s: %d place(s) clang-format would change\n", $2, $1 }'
echo "format-check: $(echo "$report" | wc -l) file(s) not formatted; run scripts/format-check.sh --fix"
exit 1
