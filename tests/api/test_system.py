"""Health, readiness, metrics, graceful shutdown, calendar, and the contract itself."""
import json
import os
import re
import signal
import threading
import uuid

import httpx
import pytest

from conftest import CONTRACT, ROOT

# One uchetd for the tests that only read what every server answers (health,
# calendar, regions) or count their own requests in /metrics as a difference
# before and after: an ASan start per test was most of their time. The stop,
# the clock control, the configuration and init tests start their own.
# Marked xdist_group: one worker runs them all (see conftest's
# pytest_configure).
SHARED = pytest.mark.xdist_group("system")


@pytest.fixture(scope="module")
def sysd(module_uchet_factory):
    return module_uchet_factory().start()


def metrics(u):
    """/metrics as {series: value}, e.g. {'uchet_confirmations_total{result="away"}': 1.0}."""
    text = u.http.get("/metrics").text
    values = {}
    for line in text.splitlines():
        if line and not line.startswith("#"):
            series, _, value = line.rpartition(" ")
            values[series] = float(value)
    return values, text


@SHARED
def test_health_and_ready(sysd):
    assert sysd.http.get("/healthz").json() == {"status": "ok"}
    assert sysd.http.get("/readyz").status_code == 200


@SHARED
def test_metrics_count_routes_confirmations_and_batches(sysd):
    before, _ = metrics(sysd)
    _, token = sysd.new_user()
    sysd.register(token)
    sysd.confirm(token)
    sysd.confirm(token, lat=55.9, lon=37.9)
    sysd.confirm(token, accuracy=800)
    after, text = metrics(sysd)
    grew = lambda series: after.get(series, 0) - before.get(series, 0)
    assert grew('uchet_confirmations_total{result="at_residence"}') == 1
    assert grew('uchet_confirmations_total{result="away"}') == 1
    assert grew('uchet_confirmations_total{result="too_inaccurate"}') == 1
    assert grew('uchet_http_requests_total{route="/api/v1/me/confirmations",status="2xx"}') == 3
    assert grew('uchet_http_request_duration_seconds_bucket{route="/api/v1/me/confirmations",le="+Inf"}') == 3
    assert grew("uchet_write_batch_size_count") >= 4
    assert "55.7575" not in text


def test_sigterm_finishes_in_flight_requests_and_exits_zero(uchet):
    _, token = uchet.new_user()
    uchet.register(token)
    results = []

    def fire():
        try:
            results.append(uchet.confirm(token).status_code)
        except httpx.HTTPError:
            results.append("refused")

    threads = [threading.Thread(target=fire) for _ in range(20)]
    for t in threads:
        t.start()
    code = uchet.stop(signal.SIGTERM)
    for t in threads:
        t.join()
    assert code == 0
    assert all(r in (201, "refused") for r in results)
    # Whatever was answered 201 is in the database.
    assert uchet.db.scalar("SELECT COUNT(*) FROM confirmations") == results.count(201)


@SHARED
def test_calendar_endpoint(sysd):
    r = sysd.http.get("/api/v1/calendar/77/working-days", params={"from": "2025-10-31", "to": "2025-11-07"})
    days = {d["date"]: d["working"] for d in r.json()["days"]}
    assert days["2025-11-01"] is True and days["2025-11-03"] is False and days["2025-11-05"] is True
    assert r.json()["calendar"] == "official"
    r = sysd.http.get("/api/v1/calendar/77/working-days", params={"from": "2027-01-01", "to": "2027-01-10"})
    assert r.json()["calendar"] == "provisional"
    assert [d["working"] for d in r.json()["days"][:8]] == [False] * 8
    for params, code in (({"from": "2025-13-01", "to": "2025-12-01"}, "invalid_date"),
                         ({"from": "2025-01-01"}, "missing_field"),
                         ({"from": "2025-01-01", "to": "2026-06-01"}, "invalid_range")):
        r = sysd.http.get("/api/v1/calendar/77/working-days", params=params)
        assert r.status_code == 400 and r.json()["code"] == code
    assert sysd.http.get("/api/v1/calendar/99/working-days?from=2025-01-01&to=2025-01-02").status_code == 404


@SHARED
def test_regions(sysd):
    items = sysd.http.get("/api/v1/regions").json()["items"]
    assert {i["code"] for i in items} == {"77", "50"}
    assert all(i["utc_offset_minutes"] == 180 for i in items)


def test_clock_control_is_off_by_default(uchet_factory):
    u = uchet_factory()
    u.extra_args = []
    import subprocess
    from conftest import UCHETD
    u.proc = subprocess.Popen([UCHETD, "--database", u.db_url, "--listen", f"127.0.0.1:{u.port}"],
                              stdout=open(u.log_path, "ab"), stderr=subprocess.STDOUT)
    u.log = open(u.log_path, "ab")
    for _ in range(200):
        try:
            if httpx.get(u.base + "/readyz", timeout=1).status_code == 200:
                break
        except httpx.HTTPError:
            import time
            time.sleep(0.05)
    r = u.http.put("/api/v1/test/clock", json={"now": "2030-01-01T00:00:00Z"})
    assert r.status_code == 404


def test_every_route_is_in_the_contract_and_back():
    src = open(os.path.join(ROOT, "src/api/router.c")).read()
    routes = set(re.findall(r'\{"(GET|POST|PUT|PATCH|DELETE)", "([^"]+)", h_', src))
    doc = json.load(open(os.path.join(ROOT, "api/openapi.json")))
    documented = {(m.upper(), p) for p, ops in doc["paths"].items() for m in ops}
    assert routes == documented


def test_contract_checker_can_fail():
    """The checker must reject an answer that breaks the schema, or it proves nothing."""
    import pytest
    from contract import ContractError
    bad = {"result": "counted", "at_residence": "yes"}
    schema = CONTRACT.doc["components"]["schemas"]["ConfirmationResult"]
    with pytest.raises(ContractError):
        CONTRACT.validate(bad, schema, "test")


@SHARED
def test_cli_help_and_errors(sysd):
    import subprocess
    from conftest import UCHETCTL, UCHETD
    for args in ([UCHETD, "--help"], [UCHETCTL, "--help"], [UCHETCTL, "person", "add", "--help"],
                 [UCHETCTL, "audit", "verify", "--help"]):
        r = subprocess.run(args, capture_output=True, text=True)
        assert r.returncode == 0 and "Usage" in r.stdout
    r = subprocess.run([UCHETD, "--listen", "nonsense"], capture_output=True, text=True)
    assert r.returncode == 1 and "HOST:PORT" in r.stderr
    r = subprocess.run([UCHETCTL, "--database", sysd.db_url, "frobnicate"], capture_output=True, text=True)
    assert r.returncode == 2 and "unknown command" in r.stderr


def test_config_file_and_environment(uchet_factory, tmp_path):
    """Settings come from the INI file, then UCHET_* variables, then flags."""
    import subprocess
    import time
    from conftest import UCHETD, free_port
    u = uchet_factory()
    port_file, port_env = free_port(), free_port()
    ini = tmp_path / "uchetd.ini"
    ini.write_text(f"[uchetd]\ndatabase = {u.db_url}\nlisten = 127.0.0.1:{port_file}\nlog_level = warn\n")
    for env, port in (({}, port_file), ({"UCHET_LISTEN": f"127.0.0.1:{port_env}"}, port_env)):
        p = subprocess.Popen([UCHETD, "--config", str(ini), "--no-sweep"], env={**__import__("os").environ, **env},
                             stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        try:
            for _ in range(200):
                try:
                    if httpx.get(f"http://127.0.0.1:{port}/readyz", timeout=1).status_code == 200:
                        break
                except httpx.HTTPError:
                    time.sleep(0.05)
            assert httpx.get(f"http://127.0.0.1:{port}/readyz", timeout=2).status_code == 200
        finally:
            p.terminate()
            assert p.wait(timeout=30) == 0
    ini.write_text("[uchetd]\nlisten = 127.0.0.1:1\nfrobnicate = yes\n")
    r = subprocess.run([UCHETD, "--config", str(ini)], capture_output=True, text=True)
    assert r.returncode == 1 and "frobnicate" in r.stderr


def _dump(db):
    if db.url.startswith("postgres"):
        tables = [t for (t,) in db.query("SELECT table_name FROM information_schema.tables"
                                          " WHERE table_schema = 'public' AND table_type = 'BASE TABLE'")]
    else:
        tables = [t for (t,) in db.query("SELECT name FROM sqlite_master WHERE type = 'table'")]
    # schema_version.applied_at is the wall clock when that database was
    # migrated (not uchet's clock): copies of one init differ there only
    cols = {"schema_version": "version, name"}
    return {t: sorted(db.query(f"SELECT {cols.get(t, '*')} FROM {t}")) for t in sorted(tables)}


def test_init_writes_the_same_whatever_the_clock(uchet_factory):
    """The API tests copy one initialized database into every test (conftest's
    initialized_db) instead of running `uchetctl init` each time: that is only
    right while init does not depend on the clock it runs at."""
    copied = uchet_factory(people=False)
    fresh = uchet_factory(clock="2031-06-15T03:00:00+03:00", init=False)
    fresh.ctl("init")
    a, b = _dump(copied.db), _dump(fresh.db)
    assert a["regions"] and a["schema_version"], "init wrote regions and the schema's version"
    assert a == b
