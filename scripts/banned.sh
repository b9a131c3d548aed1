#!/usr/bin/env bash
# Style habit 9: these libc calls are banned in src/, tests/ and bench/ (use
# snprintf, memcpy with checked lengths, parse_u64/parse_i64).
set -euo pipefail
cd "$(dirname "$0")/.."
if grep -rnE '\b(sprintf|strcpy|strcat|strncpy|strtok|atoi|atol|sscanf|gets)\s*\(' src tests bench --include='*.c' --include='*.h' \
   | grep -vE '^\S+:\s*(//|\*)'; then
  echo "banned libc calls found (see docs/style: habit 9)" >&2
  exit 1
fi
echo "no banned calls"
