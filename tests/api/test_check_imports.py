"""scripts/check-imports.py: a test import that no declared package provides
fails `make check` (issue 12: psycopg2 on a fresh machine)."""
import os
import shutil
import subprocess

import pytest

from conftest import ROOT

# No uchetd and no database: one of make check's API suites covers it.
pytestmark = pytest.mark.skipif(os.environ.get("UCHET_TEST_BACKEND") == "postgres",
                                reason="no database involved; tested once, on the sqlite run")


def tree(tmp_path, deps_drop=(), test_src="import psycopg2\n", mjs_src=None):
    (tmp_path / "scripts").mkdir()
    (tmp_path / "tests/api").mkdir(parents=True)
    (tmp_path / "tests/browser").mkdir(parents=True)
    shutil.copy(os.path.join(ROOT, "scripts/check-imports.py"), tmp_path / "scripts")
    deps = open(os.path.join(ROOT, "scripts/deps.sh")).read()
    for p in deps_drop:
        deps = deps.replace(" " + p + " ", " ").replace(" " + p + ")", ")")
    (tmp_path / "scripts/deps.sh").write_text(deps)
    (tmp_path / "tests/api/helper.py").write_text("X = 1\n")
    (tmp_path / "tests/api/test_x.py").write_text("import os\nimport helper\n" + test_src)
    shutil.copy(os.path.join(ROOT, "tests/browser/package.json"), tmp_path / "tests/browser")
    if mjs_src:
        (tmp_path / "tests/browser/x.test.mjs").write_text(mjs_src)
    return subprocess.run(["/usr/bin/python3", str(tmp_path / "scripts/check-imports.py")],
                          capture_output=True, text=True)


def test_the_tree_as_it_is_passes():
    r = subprocess.run(["/usr/bin/python3", os.path.join(ROOT, "scripts/check-imports.py")],
                       capture_output=True, text=True)
    assert r.returncode == 0, r.stderr


def test_an_undeclared_python_package_fails(tmp_path):
    r = tree(tmp_path, deps_drop=("python3-psycopg2",))
    assert r.returncode == 1
    assert "psycopg2" in r.stderr and "python3-psycopg2" in r.stderr


def test_a_declared_one_passes(tmp_path):
    r = tree(tmp_path)
    assert r.returncode == 0, r.stderr


def test_a_module_nothing_provides_fails(tmp_path):
    r = tree(tmp_path, test_src="import surely_not_a_module_uchet\n")
    assert r.returncode == 1 and "surely_not_a_module_uchet" in r.stderr


def test_an_npm_import_missing_from_package_json_fails(tmp_path):
    ok = "import { test } from 'node:test';\nimport { chromium } from 'playwright-core';\n"
    assert tree(tmp_path, mjs_src=ok).returncode == 0
    bad = ok + "import puppeteer from 'puppeteer';\n"
    other = tmp_path.parent / (tmp_path.name + "-npm")
    other.mkdir()
    r = tree(other, mjs_src=bad)
    assert r.returncode == 1 and "puppeteer" in r.stderr
