#!/usr/bin/env python3
"""`uchetctl rules check` on the settlement catalogue (issue 17).

Run by meson (src/cli/meson.build) as: rules_check_settlements.py UCHETCTL SRCDIR.
Each bad_*.txt here must be refused with exit 1 and a message naming the file
and the line; good.txt and the shipped data/settlements/catalogue.txt must be
accepted; with no FILE the command checks both of a data directory's rule
files, the document-set catalogue and the settlement catalogue.
"""
import os
import shutil
import subprocess
import sys
import tempfile

UCHETCTL, SRC = sys.argv[1], sys.argv[2]
HERE = os.path.join(SRC, "tests", "settlements")
failures = []


def run(*args):
    return subprocess.run([UCHETCTL, *args], capture_output=True, text=True, timeout=60)


def expect(what, cond, r):
    if not cond:
        failures.append(f"{what}: exit {r.returncode}\n  stdout: {r.stdout!r}\n  stderr: {r.stderr!r}")


# Each malformed file: exit 1, the file and its line named on stderr.
BAD = {
    "bad_syntax.txt": "settlement catalogue line 4: a line is a region code",
    "bad_region.txt": "settlement catalogue line 3: not a region code in use",
    "bad_duplicate.txt": "settlement catalogue line 4: the name is already listed on line 1",
    "bad_empty.txt": "settlement catalogue lists no settlement",
}
for name, says in BAD.items():
    path = os.path.join(HERE, name)
    r = run("rules", "check", "--settlements", path)
    expect(name, r.returncode == 1 and f"{path}: {says}" in r.stderr, r)

for path in (os.path.join(HERE, "good.txt"), os.path.join(SRC, "data", "settlements", "catalogue.txt")):
    r = run("rules", "check", "--settlements", path)
    expect(path, r.returncode == 0 and path in r.stdout and "settlement names" in r.stdout, r)

# A missing file is refused too: uchetd would start without the warning.
missing = os.path.join(HERE, "no-such-file.txt")
r = run("rules", "check", "--settlements", missing)
expect("missing", r.returncode == 1 and missing in r.stderr, r)

# Without FILE: both of the data directory's rule files.
with tempfile.TemporaryDirectory() as data:
    os.makedirs(os.path.join(data, "docsets"))
    os.makedirs(os.path.join(data, "settlements"))
    shutil.copy(os.path.join(SRC, "data", "docsets", "catalogue.json"), os.path.join(data, "docsets"))
    settlements = os.path.join(data, "settlements", "catalogue.txt")
    shutil.copy(os.path.join(HERE, "good.txt"), settlements)
    r = run("--data-dir", data, "rules", "check")
    expect("both good", r.returncode == 0 and "catalogue.json: valid" in r.stdout
           and f"{settlements}: valid (3 settlement names)" in r.stdout, r)
    shutil.copy(os.path.join(HERE, "bad_syntax.txt"), settlements)
    r = run("--data-dir", data, "rules", "check")
    expect("bad settlements in the data directory", r.returncode == 1 and "catalogue.json: valid" in r.stdout
           and f"{settlements}: settlement catalogue line 4" in r.stderr, r)
    r = run("--data-dir", data, "rules", "check", "--settlements")
    expect("--settlements without FILE", r.returncode == 1 and "catalogue.json" not in r.stdout
           and f"{settlements}: settlement catalogue line 4" in r.stderr, r)

r = run("rules", "--help")
expect("--help", r.returncode == 0 and "--settlements" in r.stdout and "settlements/catalogue.txt" in r.stdout, r)

if failures:
    print("\n".join(failures))
    sys.exit(1)
print(f"ok: {len(BAD) + 7} checks")
