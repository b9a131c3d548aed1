#!/bin/sh
# bench/an2k/run.sh BUILD_DIR [RUNS]
# Times the ANSI/NIST-ITL writer on a full enrolment (three 4-4-2 slaps, two
# full palms, face, signature; 15 MB of encoded images) and libsodium
# secretstream encryption of the result, and prints a "## ANSI/NIST-ITL
# transaction" section for docs/BENCHMARKS.md (bench/run.sh collects it).
set -eu
build=${1:?usage: run.sh BUILD_DIR [RUNS]}
runs=${2:-100}
out=$("$build/src/bio/an2k_bench" "$runs")
cpu=$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')
cat <<MD
## ANSI/NIST-ITL transaction (build and encrypt)

Measured by \`bench/an2k/run.sh\` on $(date -u +%Y-%m-%d), one thread, $cpu, $runs runs
after the first. One enrolment as uchet stores it: Type-1, Type-2, three Type-14 slaps
(1600 x 1500 and 1000 x 1000 px at 500 ppi, encoded 1.2 / 1.2 / 0.5 MB), two Type-15
full palms (2750 x 4000 px, 5.5 MB each), a Type-10 face (768 x 1024 RGB, 1.3 MB) and a
Type-8 signature of 2000 pen vectors. The images are stand-ins of those encoded sizes
(a real PNG header, random bytes): the writer copies encoded images and never decodes
them, so their content does not change the time. "build" is \`an2k_write\` into one
buffer; "encrypt" is crypto_secretstream_xchacha20poly1305 over 64 KiB chunks;
"stream" is \`an2k_write_stream\` feeding secretstream directly (no copy of the
images). Target: build and encrypt within 200 ms.

\`\`\`
$out
\`\`\`
MD
