"""tests/api/pg.py itself, and the C tests of the PostgreSQL backend that
need a server (tests/unit/test_db_pg.c skips those without one).

Each test runs in one of make check's two API suites, not both: the
harness's own tests (they start servers of their own) in the SQLite suite;
those that run uchetd or the C tests on PostgreSQL in the PostgreSQL suite, on
its server (the SQLite suite ran them again, each on a server of its own: an
initdb per test, the suite's largest share)."""
import os
import socket
import subprocess
import time

import pytest

import pg

PSQL = os.path.join(pg.PG_BIN, "psql")
HAVE_PG = os.path.exists(os.path.join(pg.PG_BIN, "initdb"))
pytestmark = pytest.mark.skipif(not HAVE_PG, reason="PostgreSQL 15 server package not installed")
ON_PG_SUITE = os.environ.get("UCHET_TEST_BACKEND", "sqlite") == "postgres"
harness_test = pytest.mark.skipif(ON_PG_SUITE, reason="tests of pg.py run in the SQLite suite")


def _psql(url, sql):
    return subprocess.run([PSQL, "-X", "-At", url, "-c", sql], check=True, capture_output=True,
                          text=True).stdout.strip()


def _port_open(port):
    with socket.socket() as s:
        s.settimeout(0.5)
        return s.connect_ex(("127.0.0.1", port)) == 0


@harness_test
def test_start_gives_an_empty_utf8_database_and_stop_removes_it(tmp_path):
    url, stop = pg.start_postgres(tmp_path)
    try:
        assert url.startswith("postgresql://postgres@127.0.0.1:") and url.endswith("/uchet")
        port = int(url.rsplit(":", 1)[1].split("/")[0])
        assert _psql(url, "SELECT current_database()") == "uchet"
        assert _psql(url, "SHOW server_encoding") == "UTF8"
        assert _psql(url, "SELECT count(*) FROM pg_tables WHERE schemaname = 'public'") == "0"
        data = _psql(url, "SHOW data_directory")
        assert os.path.isdir(data)
        if os.geteuid() == 0:
            owner = _psql(url, "SELECT usename FROM pg_stat_activity WHERE pid = pg_backend_pid()")
            assert owner == "postgres"
    finally:
        stop()
    assert not _port_open(port)
    deadline = time.time() + 60   # removed in the background (pg._remove_later)
    while os.path.exists(data) and time.time() < deadline:
        time.sleep(0.05)
    assert not os.path.exists(data)
    stop()   # idempotent


@harness_test
def test_two_servers_do_not_collide(tmp_path):
    a, stop_a = pg.start_postgres(tmp_path)
    try:
        b, stop_b = pg.start_postgres(tmp_path)
        try:
            assert a != b
            _psql(a, "CREATE TABLE only_in_a (x int)")
            assert _psql(b, "SELECT count(*) FROM pg_tables WHERE tablename = 'only_in_a'") == "0"
        finally:
            stop_b()
    finally:
        stop_a()


def _unit_binary():
    build = os.environ.get("UCHET_BUILD", "build")
    root = os.path.join(os.path.dirname(__file__), "..", "..")
    for rel in ("src/store/test_db_pg", "tests/unit/test_db_pg"):
        p = os.path.join(root, build, rel) if not os.path.isabs(build) else os.path.join(build, rel)
        if os.path.exists(p):
            return p
    return None


@pytest.mark.skipif(_unit_binary() is None, reason="test_db_pg not built")
def test_backend_unit_tests_against_a_real_server(tmp_path, pg_url):
    env = dict(os.environ, UCHET_TEST_PG_URL=make_db_url(tmp_path, pg_url))
    r = subprocess.run([_unit_binary()], env=env, capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stdout + r.stderr
    assert "SKIPPED" not in r.stdout + r.stderr


# --- several uchetd instances on one PostgreSQL database -------------------

import concurrent.futures  # noqa: E402
import uuid  # noqa: E402

import httpx  # noqa: E402

from conftest import make_db_url  # noqa: E402


@pytest.fixture
def pg_url(pg_server):
    """The PostgreSQL suite's server; the SQLite suite leaves these tests to it."""
    if not pg_server:
        pytest.skip("runs in the PostgreSQL suite, on its server")
    return pg_server


@pytest.fixture
def two(uchet_factory, tmp_path, pg_url):
    a = uchet_factory(db_url=make_db_url(tmp_path, pg_url))
    b = uchet_factory(db_url=a.db_url, init=False)
    return a.start(), b.start()


def _confirm_raw(u, token, key):
    body = {"lat": 55.7575, "lon": 37.6136, "accuracy_m": 20.0, "client_time": u.clock,
            "idempotency_key": key}
    r = httpx.post(u.base + "/api/v1/me/confirmations", json=body, timeout=30,
                   headers={"Authorization": f"Bearer {token}"})
    return r.status_code, r.text


def test_two_instances_serve_the_same_users(two):
    a, b = two
    number, token = a.new_user()
    a.register(token)
    assert b.me(token)["registration"]["region"] == "77"   # session and data seen by b
    token_b = b.login(number)
    r = a.confirm(token_b)
    assert r.status_code == 201, r.text


def test_same_key_to_both_instances_is_recorded_once(two):
    a, b = two
    _, token = a.new_user()
    a.register(token)
    keys = [uuid.uuid4().hex for _ in range(20)]
    with concurrent.futures.ThreadPoolExecutor(max_workers=8) as pool:
        futs = [(k, pool.submit(_confirm_raw, a, token, k), pool.submit(_confirm_raw, b, token, k))
                for k in keys]
        for k, fa, fb in futs:
            (sa, ta), (sb, tb) = fa.result(), fb.result()
            assert (sa, sb) == (201, 201), (ta, tb)
            assert ta == tb   # the retry gets the first answer
    rows = a.db.query("SELECT idempotency_key, count(*) FROM confirmations GROUP BY idempotency_key")
    assert sorted(k for k, _ in rows) == sorted(keys)
    assert all(n == "1" for _, n in rows)


def test_concurrent_writes_on_both_instances_keep_the_audit_chain(two):
    a, b = two
    users = []
    for _ in range(4):
        _, t = a.new_user()
        a.register(t)
        users.append(t)
    jobs = [(a if i % 2 else b, users[i % 4], uuid.uuid4().hex) for i in range(60)]
    with concurrent.futures.ThreadPoolExecutor(max_workers=16) as pool:
        results = list(pool.map(lambda j: _confirm_raw(*j), jobs))
    assert [s for s, _ in results] == [201] * len(jobs), [t for s, t in results if s != 201][:3]
    assert a.db.scalar("SELECT count(*) FROM confirmations") == len(jobs)
    seqs = [int(s) for (s,) in a.db.query("SELECT seq FROM audit ORDER BY seq")]
    assert seqs == list(range(1, len(seqs) + 1))
    out = a.ctl("audit", "verify").stdout
    assert out.startswith("intact:"), out


# --- the two schemas stay twins -----------------------------------------------

import sqlite3  # noqa: E402

from conftest import UCHETCTL  # noqa: E402


def _sqlite_schema(path):
    with sqlite3.connect(path) as c:
        tables = [r[0] for r in c.execute(
            "SELECT name FROM sqlite_master WHERE type IN ('table', 'view') AND name NOT LIKE 'sqlite_%'")]
        cols = {t: sorted(r[1] for r in c.execute(f"PRAGMA table_info({t})")) for t in tables}
        idx = sorted(r[0] for r in c.execute(
            "SELECT name FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL"))
    return cols, idx


def _pg_schema(url):
    cols = {}
    for line in _psql(url, "SELECT table_name, column_name FROM information_schema.columns"
                           " WHERE table_schema = 'public'").splitlines():
        t, c = line.split("|")
        cols.setdefault(t, []).append(c)
    idx = _psql(url, "SELECT indexname FROM pg_indexes WHERE schemaname = 'public'"
                     " AND indexdef NOT LIKE '%_pkey%' AND indexname NOT LIKE '%_key'").splitlines()
    return {t: sorted(c) for t, c in cols.items()}, idx


def test_sqlite_and_postgres_schemas_have_the_same_tables_views_columns_and_indexes(tmp_path, pg_url):
    sq = str(tmp_path / "schema.db")
    pg_db = make_db_url(tmp_path, pg_url)
    for db in (sq, pg_db):
        r = subprocess.run([UCHETCTL, "--database", db, "migrate"], capture_output=True, text=True)
        assert r.returncode == 0, r.stderr
    sq_cols, sq_idx = _sqlite_schema(sq)
    pg_cols, pg_idx = _pg_schema(pg_db)
    assert len(sq_cols) >= 8 and len(sq_idx) >= 5   # the comparison compares something
    assert pg_cols == sq_cols
    # SQLite names its automatic UNIQUE indexes sqlite_autoindex_*; explicit ones must match.
    assert sorted(pg_idx) == sorted(sq_idx)


# --- reads run on the event loop without blocking it ----------------------------

def _metric(u, name):
    text = httpx.get(u.base + "/metrics", timeout=5).text
    return int(next(l.split()[1] for l in text.splitlines() if l.startswith(name + " ")))


def _waiting_for_lock(u):
    return int(u.db.scalar("SELECT count(*) FROM pg_locks WHERE NOT granted"))


@pytest.mark.serial
def test_a_loop_serves_others_while_its_read_waits_for_postgres(uchet_factory, tmp_path, pg_url):
    """Issue 3: the loop never blocks on the database. With ONE event loop, a
    read held up inside PostgreSQL (its table locked by someone else) leaves
    the loop free: other requests are answered at once, and the held read
    completes when the lock goes."""
    import psycopg2
    u = uchet_factory(db_url=make_db_url(tmp_path, pg_url), extra_args=("--threads", "1")).start()
    _, token = u.new_user()
    u.register(token)
    reads_before = _metric(u, "uchet_db_loop_reads_total")
    locker = psycopg2.connect(u.db_url)
    try:
        locker.cursor().execute("LOCK TABLE sessions IN ACCESS EXCLUSIVE MODE")
        with concurrent.futures.ThreadPoolExecutor(max_workers=1) as pool:
            held = pool.submit(lambda: httpx.get(u.base + "/api/v1/me", headers=u.auth(token), timeout=30))
            for _ in range(100):
                if _waiting_for_lock(u):
                    break
                time.sleep(0.05)
            assert _waiting_for_lock(u) == 1, "the read never reached PostgreSQL"
            t0 = time.monotonic()
            for _ in range(20):
                assert httpx.get(u.base + "/healthz", timeout=5).status_code == 200
            assert time.monotonic() - t0 < 2.0
            assert not held.done()
            locker.rollback()
            r = held.result(timeout=30)
    finally:
        locker.close()
    assert r.status_code == 200 and r.json()["registration"]["region"] == "77"
    assert _metric(u, "uchet_db_loop_reads_total") > reads_before
    assert _metric(u, "uchet_db_loop_waits_total") >= 1


def _backends(u):
    """uchetd's connections to its database (not this test's own)."""
    return u.db.scalar("SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()"
                       " AND backend_type = 'client backend' AND pid <> pg_backend_pid()")


def test_a_start_connects_two_backends_and_a_loop_adds_readers_as_reads_overlap(uchet_factory, tmp_path, pg_url):
    """Issue 19: a start makes the writer's and the scheduler's connections
    only (one loop made 9 backends, two loops 13, each ~40 ms of the
    server's CPU). A loop's spare readers connect when reads overlap, on the
    loop: four reads held up inside PostgreSQL at once are four backends,
    the loop still answers meanwhile, and all four complete."""
    import psycopg2
    u = uchet_factory(db_url=make_db_url(tmp_path, pg_url), extra_args=("--threads", "1")).start()
    assert _backends(u) == 2
    _, token = u.new_user()
    u.register(token)
    u.me(token)
    locker = psycopg2.connect(u.db_url)
    try:
        locker.cursor().execute("LOCK TABLE sessions IN ACCESS EXCLUSIVE MODE")
        with concurrent.futures.ThreadPoolExecutor(max_workers=4) as pool:
            held = [pool.submit(httpx.get, u.base + "/api/v1/me", headers=u.auth(token), timeout=30)
                    for _ in range(4)]
            for _ in range(200):
                if _waiting_for_lock(u) == 4:
                    break
                time.sleep(0.05)
            assert _waiting_for_lock(u) == 4, "the loop did not add its spare connections"
            assert httpx.get(u.base + "/healthz", timeout=5).status_code == 200
            locker.rollback()
            answers = [h.result(timeout=30) for h in held]
    finally:
        locker.close()
    assert [r.status_code for r in answers] == [200] * 4
    assert all(r.json()["registration"]["region"] == "77" for r in answers)


def test_loop_reads_reconnect_after_the_server_drops_them(uchet_factory, tmp_path, pg_url):
    """A read connection killed on the server (a restart, a failover) is made
    again on the loop, without blocking it, and the next read just works."""
    u = uchet_factory(db_url=make_db_url(tmp_path, pg_url), extra_args=("--threads", "2")).start()
    _, token = u.new_user()
    u.register(token)
    for _ in range(4):   # both loops have used their connections
        u.me(token)
    killed = u.db.scalar("SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity"
                         " WHERE datname = current_database() AND pid <> pg_backend_pid()")
    assert int(killed) >= 2
    for _ in range(6):
        assert u.me(token)["registration"]["region"] == "77"


def test_get_me_is_one_round_trip(uchet_factory, tmp_path, pg_url):
    """Issue 18: a read endpoint is one round trip. GET /me (session, person,
    active and last ended registration) is one statement with no BEGIN or
    COMMIT around it: 20 reads cost the event loop exactly 20 round trips
    (it was 6 each: BEGIN, four SELECTs, the end)."""
    u = uchet_factory(db_url=make_db_url(tmp_path, pg_url), extra_args=("--threads", "1")).start()
    _, token = u.new_user()
    first = u.register(token, "77")
    u.register(token, "50")

    def read_me():
        me = u.me(token)
        assert me["registration"]["region"] == "50" and me["last_registration"]["id"] == first["id"]
    assert _trips(u, read_me, n=20) == 20


def _trips(u, request, conn="loop", n=10):
    """The round trips on `conn`'s connections (uchet_db_round_trips_total)
    of n requests, after some that prepare the statements there; request()
    asserts its own answer. The slow lane has two threads, each with its
    own connection and its own prepared statements, and whichever is free
    takes a request: its warm-up is sent eight at a time, so both are busy
    and each prepares."""
    series = f'uchet_db_round_trips_total{{conn="{conn}"}}'
    if conn == "slow":
        with concurrent.futures.ThreadPoolExecutor(8) as pool:
            list(pool.map(lambda _: request(), range(32)))
    for _ in range(3):
        request()
    before = _metric_labeled(u, series)
    for _ in range(n):
        request()
    return _metric_labeled(u, series) - before


def _get(u, path, headers, want):
    """A request for _trips: GET path, its status one of want."""
    def request():
        assert u.http.get(path, headers=headers).status_code in want, path
    return request


# A person's own reads (issue 18): each was BEGIN, the session check, the
# list and the end, four round trips (the notices five); now one statement.
PERSON_READS = ["/api/v1/me/sessions", "/api/v1/me/minors", "/api/v1/me/notifications", "/api/v1/me/appeals",
                "/api/v1/me/access-log"]


def test_a_persons_own_lists_are_one_round_trip_each(uchet_factory, tmp_path, pg_url):
    u = uchet_factory(db_url=make_db_url(tmp_path, pg_url), extra_args=("--threads", "1")).start()
    _, token = u.new_user()
    u.register(token, "77")
    _, empty = u.new_user()   # a person with no rows: the empty lists are one round trip too
    for path in PERSON_READS:
        for who in (token, empty):
            assert _trips(u, _get(u, path, u.auth(who), (200,))) == 10, path
        r = u.http.get(path, headers=u.auth("0" * 43))
        assert r.status_code == 401 and r.json()["code"] == "unauthorized", path


# An officer's reads at the desk (issue 18): each was BEGIN, the officer's
# session check, the data (an enrolment's detail: the row and three look-ups
# for duplicates) and the end: four to seven round trips; now one statement
# each, the session and the role checked in it. The paths and their rows:
# tests/api/test_desk_reads.py.
from test_desk_reads import DESK_READS, seed_desk  # noqa: E402


def test_an_officers_desk_reads_are_one_round_trip_each(uchet_factory, tmp_path, pg_url):
    from conftest import officer
    u = uchet_factory(db_url=make_db_url(tmp_path, pg_url), extra_args=("--threads", "1")).start()
    # and the supervisor's list of officers (store/officer.c); each read that
    # finds its session's slide a minute old also sends a small write to the
    # writer (api/desk_slide.h), not on the loop's connection counted here,
    # and the clock does not move here
    paths = seed_desk(u) + ["/api/v1/desk/officers"]
    who = {role: officer(u, role) for role in ("registrar", "inspector", "supervisor")}
    trips = {}
    for path in paths:
        for role, hdr in who.items():   # the answer, and a refused role, each one round trip
            trips[(path, role)] = _trips(u, _get(u, path, hdr, (200, 403, 404)))
        r = u.http.get(path, headers=u.auth("0" * 43))
        assert r.status_code == 401 and r.json()["code"] == "unauthorized", path
    assert trips == {k: 10 for k in trips}, "; ".join(f"{p} {r}: {n / 10:g}" for (p, r), n in trips.items())



def test_the_document_set_queue_is_one_round_trip(uchet_factory, tmp_path, pg_url, monkeypatch):
    """GET /desk/document-sets (store/docset.c): the desk session, the role
    and the queue in one statement, for the answer and for a refused role;
    and the person's own GET /document-sets."""
    from conftest import docset_uchet, officer
    u = docset_uchet(uchet_factory, tmp_path, monkeypatch, db_url=make_db_url(tmp_path, pg_url),
                     extra_args=("--threads", "1"))
    who = {"registrar": officer(u, "registrar"), "inspector": officer(u, "inspector")}
    trips = {}
    for path in ("/api/v1/desk/document-sets", "/api/v1/desk/document-sets?state=ready"):
        for role, hdr in who.items():
            want = 200 if role == "registrar" else 403
            trips[(path, role)] = _trips(u, _get(u, path, hdr, (want,)))
        r = u.http.get(path, headers=u.auth("0" * 43))
        assert r.status_code == 401 and r.json()["code"] == "unauthorized", path
    # the person's own list of sets (the app's My documents), with a set and without
    _, token = u.new_user()
    assert u.http.post("/api/v1/document-sets", json={"procedure": "rvp"}, headers=u.auth(token)).status_code == 201
    _, empty = u.new_user()
    for name, tok in (("person", token), ("person without sets", empty)):
        trips[("/api/v1/document-sets", name)] = _trips(u, _get(u, "/api/v1/document-sets", u.auth(tok), (200,)))
    assert trips == {k: 10 for k in trips}, "; ".join(f"{p} {r}: {n / 10:g}" for (p, r), n in trips.items())


def test_a_set_the_passkeys_and_the_password_recheck_are_one_round_trip_each(uchet_factory, tmp_path, pg_url,
                                                                             monkeypatch):
    """GET /document-sets/{id} (the session, the set, its result and pages),
    GET /me/passkeys (the session and the list) and the password re-check in
    front of a change to the record: each was BEGIN, two to four statements
    and the end on the loop's connection; now one statement each."""
    from conftest import docset_uchet
    from test_docsets import checked_set, create, post_page, text_page
    from test_passkey import ORIGIN, Authenticator, register
    u = docset_uchet(uchet_factory, tmp_path, monkeypatch, db_url=make_db_url(tmp_path, pg_url),
                     extra_args=("--threads", "1", "--public-origin", ORIGIN))
    _, token = u.new_user()
    _, other = u.new_user()
    checked = checked_set(u, token)
    two_pages = create(u, token)["id"]
    for _ in range(2):
        assert post_page(u, token, two_pages, text_page("PNG", size=(300, 200), font_px=20, lines=2),
                         "image/png").status_code == 202
    empty = create(u, token)["id"]
    assert register(u, token, Authenticator()).status_code == 201

    def get(path, who, want, check=lambda body: True):
        def request():
            r = u.http.get(path, headers=u.auth(who))
            assert r.status_code == want and check(r.json()), (path, r.status_code, r.text)
        return request

    sets = "/api/v1/document-sets"
    reads = {
        "a checked set": get(f"{sets}/{checked}", token, 200,
                             lambda s: s["outcome"] and len(s["pages"]) == 1 and s["pages"][0]["state"] != "queued"),
        "a set of two pages": get(f"{sets}/{two_pages}", token, 200, lambda s: [p["n"] for p in s["pages"]] == [1, 2]),
        "an empty set": get(f"{sets}/{empty}", token, 200, lambda s: s["pages"] == []),
        "another's set": get(f"{sets}/{checked}", other, 404, lambda b: b["code"] == "not_found"),
        "no such set": get(f"{sets}/{checked + 1000}", token, 404, lambda b: b["code"] == "not_found"),
        "passkeys": get("/api/v1/me/passkeys", token, 200, lambda b: len(b["passkeys"]) == 1),
        "no passkeys": get("/api/v1/me/passkeys", other, 200, lambda b: b["passkeys"] == []),
    }
    trips = {name: _trips(u, request) for name, request in reads.items()}
    for path in (f"{sets}/{checked}", "/api/v1/me/passkeys"):
        r = u.http.get(path, headers=u.auth("0" * 43))
        assert r.status_code == 401 and r.json()["code"] == "unauthorized", path

    # the re-check, then the change on the writer's connection (not counted here)
    from conftest import RESIDENCE
    u.register(token, "77")

    def change():
        r = u.http.put("/api/v1/me/registration/residence", headers=u.auth(token), json=RESIDENCE)
        assert r.status_code == 200, r.text
    trips["the re-check"] = _trips(u, change)
    assert trips == {k: 10 for k in trips}, "; ".join(f"{k}: {n / 10:g}" for k, n in trips.items())


def test_a_kiosks_session_an_enrolments_status_and_receipt_are_one_round_trip_each(uchet_factory, tmp_path, pg_url):
    """The kiosk's reads run on the slow lane (its threads' connections): GET
    /kiosk/sessions/{id} checks the kiosk's key, reads its session and asks
    whether any session is idle too long in one statement (the wipe and a
    second read only when one is). It was seven: BEGIN, the idle look, the
    end, BEGIN, the key, the session, the end. The public status of an
    enrolment and the kiosk's receipt PDF (the key and the enrolment) are one
    statement each (were three and four)."""
    from test_kiosk import DEVSIM, start_kiosk
    trust = tmp_path / "trust"   # a device's key uchetd trusts; no device runs here
    trust.mkdir()
    subprocess.run([DEVSIM, "--keygen", str(trust)], capture_output=True, check=True)
    (trust / "devsim.key").unlink()
    k = start_kiosk(lambda: uchet_factory(db_url=make_db_url(tmp_path, pg_url), extra_args=("--threads", "1")),
                    str(trust), tmp_path)
    key = k.add()
    sid = k.start(key)
    other = k.add("Hall B")

    def slow_trips(request):
        return _trips(k.u, request, "slow")

    def get(who, want, code=None):
        def request():
            r = k.u.http.get(f"/api/v1/kiosk/sessions/{sid}", headers=who)
            assert r.status_code == want and (code is None or r.json()["code"] == code), r.text
        return request

    from test_desk_reads import NOW, RECEIPTS, _enrolment
    _enrolment(k.u, RECEIPTS["a"], "pending", NOW - 300, "FA1234567", ("RAHIMOV", "FARRUKH", "1995-04-12"))

    def status(birth, want):
        def request():
            r = k.u.http.get(f"/api/v1/kiosk/enrolments/{RECEIPTS['a']}/status?birth_date={birth}")
            assert r.status_code == want and (want != 200 or r.json()["state"] == "pending"), r.text
        return request
    def receipt(who, want):
        def request():
            r = k.u.http.get(f"/api/v1/kiosk/enrolments/{RECEIPTS['a']}/receipt.pdf?lang=tg", headers=who)
            assert r.status_code == want and (want != 200 or r.content.startswith(b"%PDF-")), r.text
        return request
    trips = {"the session": slow_trips(get(key, 200)),
             "another kiosk's session": slow_trips(get(other, 404, "session_not_found")),
             "an unknown key": slow_trips(get({"Authorization": "Kiosk " + "A" * 43}, 401, "unauthorized")),
             "an enrolment's status": slow_trips(status("1995-04-12", 200)),
             "another birth date": slow_trips(status("1995-04-13", 404)),
             "its receipt": slow_trips(receipt(key, 200)),          # the kiosk that submitted it
             "another kiosk's receipt": slow_trips(receipt(other, 404))}
    assert trips == {"the session": 10, "another kiosk's session": 10, "an unknown key": 10,
                     "an enrolment's status": 10, "another birth date": 10, "its receipt": 10,
                     "another kiosk's receipt": 10}, trips


# --- the writer's deferred writes (issue 18) -------------------------------------

def test_a_failing_deferred_write_fails_only_its_own_confirmation(uchet_factory, tmp_path, pg_url):
    """The writer sends a batch's INSERTs without waiting (libpq pipeline). One
    that fails on the server must fail its own request only: the batch is
    replayed with a savepoint per operation, its neighbours get their 201,
    and the audit chain stays whole."""
    u = uchet_factory(db_url=make_db_url(tmp_path, pg_url)).start()
    users = []
    for _ in range(4):
        _, t = u.new_user()
        u.register(t)
        users.append(t)
    u.db.query("""CREATE FUNCTION boom() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN IF NEW.idempotency_key LIKE 'boom%' THEN RAISE EXCEPTION 'boom'; END IF; RETURN NEW; END $$;
        CREATE TRIGGER boom BEFORE INSERT ON confirmations FOR EACH ROW EXECUTE FUNCTION boom();
        SELECT 1""")
    trips_before = _metric_labeled(u, 'uchet_db_round_trips_total{conn="thread"}')
    jobs = [(u, users[i % 4], ("boom" if i % 10 == 3 else "ok") + uuid.uuid4().hex) for i in range(60)]
    with concurrent.futures.ThreadPoolExecutor(max_workers=16) as pool:
        results = list(pool.map(lambda j: _confirm_raw(*j), jobs))
    for (_, _, key), (status, text) in zip(jobs, results):
        if key.startswith("boom"):
            assert status == 500 and '"storage_failed"' in text, text
        else:
            assert status == 201, text
    assert u.db.scalar("SELECT count(*) FROM confirmations") == 54
    assert u.db.scalar("SELECT count(*) FROM confirmations WHERE idempotency_key LIKE 'boom%'") == 0
    out = u.ctl("audit", "verify").stdout
    assert out.startswith("intact:"), out
    assert _metric_labeled(u, 'uchet_db_round_trips_total{conn="thread"}') > trips_before


def _metric_labeled(u, series):
    text = httpx.get(u.base + "/metrics", timeout=5).text
    return int(next(l.split()[1] for l in text.splitlines() if l.startswith(series + " ")))


WRITE_LOCK_KEY = 504086290804   # DB_PG_WRITE_LOCK_KEY, src/store/db_pg.h


def _held_batch(u, jobs):
    """Runs jobs (token, key, lat) as confirmations that all land in one
    writer batch: the writer is held on its lock by another session while
    the first is in its transaction and the rest queue up behind it. Returns
    the results in order, and the round trips and batches the writer spent."""
    import psycopg2
    _, t0 = u.new_user()
    u.register(t0)
    locker = psycopg2.connect(u.db_url)
    locker.autocommit = True
    try:
        locker.cursor().execute("SELECT pg_advisory_lock(%s)", (WRITE_LOCK_KEY,))
        with concurrent.futures.ThreadPoolExecutor(max_workers=len(jobs) + 1) as pool:
            first = pool.submit(_confirm_raw, u, t0, uuid.uuid4().hex)
            for _ in range(100):
                if _waiting_for_lock(u):
                    break
                time.sleep(0.05)
            assert _waiting_for_lock(u) == 1, "the writer never waited for the lock"
            trips = _metric_labeled(u, 'uchet_db_round_trips_total{conn="thread"}')
            batches = _metric(u, "uchet_write_batch_size_count")
            futs = [pool.submit(_confirm_raw_at, u, t, k, lat) for t, k, lat in jobs]
            for _ in range(600):   # all queued behind the held batch (perhaps with the first)
                if _metric(u, "uchet_write_queue_depth") >= len(jobs):
                    break
                time.sleep(0.05)
            assert _metric(u, "uchet_write_queue_depth") >= len(jobs)
            locker.cursor().execute("SELECT pg_advisory_unlock(%s)", (WRITE_LOCK_KEY,))
            assert first.result(timeout=30)[0] == 201
            results = [f.result(timeout=30) for f in futs]
    finally:
        locker.close()
    return (results, _metric_labeled(u, 'uchet_db_round_trips_total{conn="thread"}') - trips,
            _metric(u, "uchet_write_batch_size_count") - batches)


def _confirm_raw_at(u, token, key, lat):
    body = {"lat": lat, "lon": 37.6136, "accuracy_m": 20.0, "client_time": u.clock, "idempotency_key": key}
    r = httpx.post(u.base + "/api/v1/me/confirmations", json=body, timeout=30,
                   headers={"Authorization": f"Bearer {token}"})
    return r.status_code, r.text


@pytest.mark.serial   # load-sensitive, as below
def test_a_batch_of_confirmations_costs_a_constant_number_of_round_trips(uchet_factory, tmp_path, pg_url):
    """Issue 18: a batch's look-ups are one statement over arrays (unnest),
    its writes are pipelined with its COMMIT: 24 confirmations of 24 people
    in one batch cost the writer a handful of round trips, not 7 each."""
    u = uchet_factory(db_url=make_db_url(tmp_path, pg_url), extra_args=("--no-sweep",)).start()
    users = []
    for _ in range(24):
        _, t = u.new_user()
        u.register(t)
        users.append(t)
    assert u.confirm(users[0]).status_code == 201   # prepares the writer's statements
    results, trips, batches = _held_batch(u, [(t, uuid.uuid4().hex, 55.7575) for t in users])
    assert [s for s, _ in results] == [201] * 24, results
    # the held one and ours (or one with both); in about one make check in
    # five a third batch was seen, also with the test run alone: a write of
    # uchetd's own (not yet identified) that the poll for the held lock caught
    # first. 24 confirmations in 24 batches would be 25 here.
    assert batches <= 3, batches
    # each batch: BEGIN + lock, look-ahead, flush, COMMIT (the held one's BEGIN counted before);
    # a housekeeping write of uchetd's own that lands in the batch costs its statements and a
    # new look-ahead. Without the look-ahead this is over 70 (3 reads per confirmation).
    assert trips <= 4 * batches + 4, trips
    out = u.ctl("audit", "verify").stdout
    assert out.startswith("intact:"), out


@pytest.mark.serial   # load-sensitive: a session touch queued among the jobs can let one job miss the batch
def test_one_person_twice_in_a_batch_sees_their_own_earlier_confirmation(uchet_factory, tmp_path, pg_url):
    """What is read ahead for a batch may not be used by an op whose person
    confirmed earlier in the same batch: three confirmations away from home
    in one batch are a streak of three (rule 8: one mismatch notice), and a
    retried key in the same batch gets the first answer."""
    u = uchet_factory(db_url=make_db_url(tmp_path, pg_url), extra_args=("--no-sweep",)).start()
    _, t = u.new_user()
    u.register(t)
    key = uuid.uuid4().hex
    jobs = [(t, uuid.uuid4().hex, 55.95), (t, key, 55.95), (t, uuid.uuid4().hex, 55.95), (t, key, 55.95)]
    results, _, batches = _held_batch(u, jobs)
    assert batches <= 4, batches   # the held batch, the queued jobs, a write of uchetd's own (see above)
    assert [s for s, _ in results] == [201] * 4, results
    assert results[1][1] == results[3][1]
    pid = u.db.scalar(f"SELECT person_id FROM confirmations WHERE idempotency_key = '{key}'")
    assert u.db.scalar("SELECT count(*) FROM confirmations") == 4   # the held one + 3 keys
    assert u.db.scalar(f"SELECT mismatch_streak FROM registrations WHERE person_id = {pid}") == 3
    assert u.db.scalar(f"SELECT count(*) FROM notices WHERE person_id = {pid} AND kind = 'mismatch'") == 1


SWEEP_LOCK_KEY = 7741   # DB_LOCK_SWEEP, src/store/db.h


def test_the_sweep_runs_on_one_instance_at_a_time(uchet_factory, tmp_path, pg_url):
    """Two uchetd (or a uchetd and a uchetctl) on one database: while one
    holds the sweep's lock, the other skips its sweep rather than lapse the
    same rows twice; once the lock is free, the sweep runs."""
    import psycopg2
    u = uchet_factory(db_url=make_db_url(tmp_path, pg_url))
    holder = psycopg2.connect(u.db_url)
    holder.autocommit = True
    try:
        holder.cursor().execute("SELECT pg_advisory_lock(%s)", (SWEEP_LOCK_KEY,))
        held = u.ctl("sweep", "--as-of", "2025-11-14").stdout
        assert "skipped (another instance is sweeping)" in held, held
        assert u.db.scalar("SELECT count(*) FROM sweep_runs") == 0
        holder.cursor().execute("SELECT pg_advisory_unlock(%s)", (SWEEP_LOCK_KEY,))
        free = u.ctl("sweep", "--as-of", "2025-11-14").stdout
        assert "skipped" not in free, free
        assert u.db.scalar("SELECT count(*) FROM sweep_runs WHERE finished_at IS NOT NULL") >= 1
    finally:
        holder.close()
