#!/usr/bin/python3
"""Fails when a test imports something no declared package provides.

A fresh Debian machine once failed `make check` because tests/api/test_pg.py
imports psycopg2 and scripts/deps.sh did not install python3-psycopg2: the
developer's machine had it, so CI stayed green. This check closes that gap:

  * every Python module imported by tests/**/*.py, scripts/*.py and bench/*.py
    that is neither in the standard library nor a file of the tree must be
    importable here, and the file it is imported from must belong (dpkg -S) to
    a Debian package named in scripts/deps.sh;
  * every bare import in tests/browser/*.mjs|*.js (not node:..., not a
    relative path) must be a dependency in tests/browser/package.json.

Usage: scripts/check-imports.py        (exit 0: all provided; 1: a list of gaps)
"""
import ast
import importlib.util
import json
import os
import re
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PY_DIRS = ["tests", "scripts", "bench"]
NODE_DIR = os.path.join(ROOT, "tests/browser")
NODE_BUILTINS = {"assert", "buffer", "child_process", "crypto", "events", "fs", "http", "https", "net", "os",
                 "path", "process", "stream", "timers", "url", "util", "zlib", "readline", "worker_threads",
                 "test", "fs/promises", "timers/promises", "assert/strict"}


def declared_packages():
    """Every package name in scripts/deps.sh's arrays (name=(...) and name+=(...))."""
    text = open(os.path.join(ROOT, "scripts/deps.sh")).read()
    pkgs = set()
    for m in re.finditer(r"^\s*\w+\+?=\(([^)]*)\)", text, re.M):
        body = re.sub(r"#[^\n]*", "", m.group(1))
        pkgs.update(w for w in body.split() if not w.startswith(('"', "$")))
    return pkgs


def python_files():
    for d in PY_DIRS:
        for base, dirs, files in os.walk(os.path.join(ROOT, d)):
            dirs[:] = [x for x in dirs if x not in ("node_modules", "__pycache__", "corpus")]
            for f in files:
                if f.endswith(".py"):
                    yield os.path.join(base, f)


def imports_of(path):
    try:
        tree = ast.parse(open(path, encoding="utf-8").read(), path)
    except SyntaxError as e:
        print(f"check-imports: {path}: {e}", file=sys.stderr)
        return set()
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(a.name.split(".")[0] for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module.split(".")[0])
    return names


def is_local(name, path):
    """A module of the tree: beside the importing file or in one of its parents
    up to the root (conftest.py's directory is on sys.path for pytest)."""
    d = os.path.dirname(path)
    while d.startswith(ROOT):
        if os.path.exists(os.path.join(d, name + ".py")) or os.path.isdir(os.path.join(d, name)):
            return True
        d = os.path.dirname(d)
    # A test may put another test folder on sys.path (test_kiosk.py reads
    # transactions with tests/bio/an2k_reader.py): a module of tests/ is ours.
    for dirpath, _, files in os.walk(os.path.join(ROOT, "tests")):
        if "node_modules" not in dirpath and name + ".py" in files:
            return True
    return False


def package_of(file):
    r = subprocess.run(["dpkg", "-S", os.path.realpath(file)], capture_output=True, text=True)
    if r.returncode != 0:
        r = subprocess.run(["dpkg", "-S", file], capture_output=True, text=True)
    if r.returncode != 0:
        return None
    return {p.strip().split(":")[0] for p in r.stdout.split(":", 1)[0].split(",")}


def check_python(declared, problems):
    stdlib = set(sys.stdlib_module_names)
    seen = {}
    for path in python_files():
        for name in imports_of(path):
            if name in stdlib or name == "__future__" or is_local(name, path):
                continue
            seen.setdefault(name, []).append(os.path.relpath(path, ROOT))
    for name, users in sorted(seen.items()):
        where = ", ".join(sorted(set(users))[:3])
        spec = importlib.util.find_spec(name)
        origin = spec and (spec.origin if spec.origin not in (None, "namespace") else
                           next(iter(spec.submodule_search_locations or []), None))
        if not origin:
            problems.append(f"python module {name} (imported by {where}) is not installed, and no package in "
                            f"scripts/deps.sh provides it")
            continue
        pkgs = package_of(origin)
        if pkgs is None:
            problems.append(f"python module {name} (imported by {where}) comes from {origin}, which no Debian "
                            f"package installed: add the Debian package to scripts/deps.sh")
        elif not pkgs & declared:
            problems.append(f"python module {name} (imported by {where}) is in Debian package "
                            f"{', '.join(sorted(pkgs))}, which scripts/deps.sh does not install")


IMPORT_RE = re.compile(r"""(?:^|[;\s])(?:import\s+(?:[\w*{}\s,]+\s+from\s+)?|import\s*\(\s*|require\s*\(\s*|"""
                       r"""export\s+[\w*{}\s,]+\s+from\s+)['"]([^'"]+)['"]""", re.M)


def check_node(problems):
    pj = os.path.join(NODE_DIR, "package.json")
    if not os.path.exists(pj):
        return
    meta = json.load(open(pj))
    deps = set(meta.get("dependencies", {})) | set(meta.get("devDependencies", {}))
    for f in sorted(os.listdir(NODE_DIR)):
        if not f.endswith((".mjs", ".js", ".cjs")):
            continue
        text = open(os.path.join(NODE_DIR, f), encoding="utf-8").read()
        for spec in IMPORT_RE.findall(text):
            if spec.startswith((".", "/", "node:")):
                continue
            pkg = "/".join(spec.split("/")[:2]) if spec.startswith("@") else spec.split("/")[0]
            if spec in NODE_BUILTINS or pkg in NODE_BUILTINS:
                continue
            if pkg not in deps:
                problems.append(f"npm package {pkg} (imported by tests/browser/{f}) is not a dependency in "
                                f"tests/browser/package.json")


def main():
    problems = []
    check_python(declared_packages(), problems)
    check_node(problems)
    for p in problems:
        print("check-imports: " + p, file=sys.stderr)
    if problems:
        print(f"check-imports: {len(problems)} import(s) no declared package provides", file=sys.stderr)
        return 1
    print("check-imports: every test import is provided by a declared package")
    return 0


if __name__ == "__main__":
    sys.exit(main())
