"""Fixtures for the black-box API tests.

Each test gets a real `uchetd` on a free port with its own database (an SQLite
file, or a fresh database on a throwaway PostgreSQL server when
UCHET_TEST_BACKEND=postgres) and an injected clock. Every response the tests
receive is checked against api/openapi.json (see contract.py).
"""
import base64
import datetime
import hashlib
import hmac
import os
import random
import shutil
import signal
import socket
import sqlite3
import struct
import subprocess
import time
import uuid

import httpx
import pytest

from contract import Contract

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BUILD = os.path.join(ROOT, os.environ.get("UCHET_BUILD", "build"))
UCHETD = os.path.join(BUILD, "src/api/uchetd")
UCHETCTL = os.path.join(BUILD, "src/cli/uchetctl")
BACKEND = os.environ.get("UCHET_TEST_BACKEND", "sqlite")
# These tests speak plain HTTP to 127.0.0.1, yet every httpx client builds a
# TLS context and loads the system's CA bundle unless told not to: 20 ms of
# CPU each, and the start-up poll and each server's client made a third of
# the suite's own CPU time of it. False: no TLS context is loaded.
PLAIN_HTTP = False
START_CLOCK = "2025-10-31T10:00:00+03:00"   # a Friday; see product rule 4's example
RESIDENCE = {"settlement": "Moscow", "street": "Tverskaya", "house": "7", "apartment": "12",
             "lat": 55.7575, "lon": 37.6136}

CONTRACT = Contract(os.path.join(ROOT, "api/openapi.json"))


def _no_delay_connections():
    """Every connection the tests' HTTP clients open sends at once what it
    is given (TCP_NODELAY), as browsers, curl and urllib3 do; httpx 0.23
    (Debian 12) does not. Its HTTP/1.1 writes a request's headers and its
    body in two send()s, and without the option the kernel holds the body
    back (Nagle) until uchetd acknowledges the headers, which Linux's delayed
    acknowledgement puts off for 40 ms: every POST, PUT and PATCH took 44 ms
    against 1 ms for a GET (measured: PUT /test/clock), thousands of times a
    suite. Set on the one place that connects (httpcore's sync backend), so
    it holds for every client a test makes, the module-level httpx.post too."""
    try:
        from httpcore.backends.sync import SyncBackend
    except ImportError:   # another httpcore: connections as it makes them
        return
    connect = SyncBackend.connect_tcp

    def connect_tcp(self, *args, **kwargs):
        stream = connect(self, *args, **kwargs)
        stream.get_extra_info("socket").setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        return stream
    SyncBackend.connect_tcp = connect_tcp


_no_delay_connections()


def _tls_contexts_made_once():
    """A client made with httpx's defaults (the module-level httpx.get and
    httpx.post, the device simulator's helpers) builds a TLS context and
    loads the system's CA bundle, 28 ms of CPU each time, though these tests
    speak plain HTTP. A context depends only on the arguments it is made
    from: make each kind once per test process and share it."""
    try:
        from httpx._transports import default
    except ImportError:   # another httpx: contexts as it makes them
        return
    create, made = default.create_ssl_context, {}

    def create_ssl_context(cert=None, verify=True, trust_env=True, **kwargs):
        if cert is not None or not isinstance(verify, (bool, str)) or kwargs:
            return create(cert=cert, verify=verify, trust_env=trust_env, **kwargs)
        key = (verify, trust_env)
        if key not in made:
            made[key] = create(verify=verify, trust_env=trust_env)
        return made[key]
    default.create_ssl_context = create_ssl_context


_tls_contexts_made_once()


# The argon2id cost of every password the tests hash, in uchetd (Uchet.start)
# and in `uchetctl officer add` (add_officer): 64 KiB, one pass, the least
# libsodium allows but for 8 KiB. What the tests check of passwords (argon2id,
# checked at log-in, wrong ones refused, lock-outs) does not depend on the
# cost, and the suites hash some 1,600 passwords: at 8 MiB each hash was
# 12 ms of an ASan process's CPU plus 2,048 fresh pages. The tests that
# measure hashing itself (test_attacks_auth's timing, test_officers' default
# cost) use the production cost.
TEST_ARGON2 = ("--argon2-memlimit-kib", "64", "--argon2-opslimit", "1")


_LEAK_SCANNED = set()


def ctl_env(args):
    """The environment for one uchetctl run. LeakSanitizer's scan at exit is
    a third of an ASan uchetctl run's CPU, and the suites run uchetctl some
    600 times, mostly the same few commands that set a test up. Each command
    shape (its leading words and the names of its options, not their values)
    is scanned the first time this process runs it; later runs of the same
    shape skip the scan. Everything else ASan checks, it checks every run."""
    words = []
    for a in args:
        if a.startswith("-"):
            break
        words.append(a)
    shape = (tuple(words), tuple(sorted(a.split("=", 1)[0] for a in args if a.startswith("--"))))
    if shape not in _LEAK_SCANNED:
        _LEAK_SCANNED.add(shape)
        return None
    return dict(os.environ, ASAN_OPTIONS=os.environ.get("ASAN_OPTIONS", "") + ":detect_leaks=0")


def sqlite_run_only(store_path_covered_by):
    """Marks a test whose cost is work no backend touches (OCR, image codecs,
    PDF rendering, signature checks) to run in one of make check's two API
    suites, the SQLite one. `store_path_covered_by` names the test that
    takes the same store path in the PostgreSQL suite: only a test that
    has one may be marked."""
    assert store_path_covered_by.startswith("test_"), store_path_covered_by
    return pytest.mark.skipif(BACKEND == "postgres", reason="backend-independent cost, run on sqlite; "
                              f"its store path runs on PostgreSQL in {store_path_covered_by}")


def pytest_configure(config):
    # make check runs the suite in two pytest-xdist workers (-n 2 -m "not
    # serial") and then the tests marked serial alone (-m serial): those time
    # their answers or load the server with hundreds of parallel requests, and
    # a neighbour test on the other core would make them measure the neighbour.
    config.addinivalue_line("markers", "serial: timing- or load-sensitive; run without pytest-xdist workers")
    # make check passes --dist loadgroup: tests that share a module's uchetd
    # (module_uchet_factory below) carry @pytest.mark.xdist_group, so the
    # worker that runs one of them runs them all, and the server and what
    # its fixture made (a simulated enrolment: seconds of ASan CPU) are made
    # once, not once in each worker. Every other test is still handed out
    # one at a time. (Plain -n N, xdist's `load`, ignores the groups.)


def pytest_collection_modifyitems(config, items):
    """Under xdist workers: the grouped tests first (stable order otherwise;
    with --dist loadgroup, see pytest_configure).
    A group is the longest piece of work a worker takes; handed out first,
    the other worker meanwhile takes the single tests, and the run does not
    end with one core idle while the other finishes a group it took last.
    Without xdist the order is the command line's (the order-independence
    checks of shared servers run modules in file order and reversed)."""
    if not os.environ.get("PYTEST_XDIST_WORKER"):
        return
    items.sort(key=lambda item: item.get_closest_marker("xdist_group") is None)


def _close_idle(transport):
    """Closes the keep-alive connections an httpx transport holds idle
    (httpcore's pool; another transport: none). The next request opens one."""
    pool = getattr(transport, "_pool", None)
    lock = getattr(pool, "_pool_lock", None)
    if lock is None:
        return
    with lock:
        for c in [c for c in pool._pool if c.is_idle()]:
            c.close()
            pool._pool.remove(c)


class RecheckingTransport(httpx.BaseTransport):
    """Answers 403 password_recheck_required the way the app does: types the
    password again (POST /api/v1/session/recheck) and sends the request once
    more. Actions that change the record want a recent password (issue 17);
    tests that move the clock by days and then register would otherwise all
    have to do this themselves. The passwords are the ones the helpers logged
    in with; tests/api/test_sessions.py turns this off to test the re-check."""

    def __init__(self, passwords):
        self.inner = httpx.HTTPTransport(verify=PLAIN_HTTP)
        self.passwords = passwords     # bearer token -> password
        self.enabled = True

    def handle_request(self, request):
        response = self.inner.handle_request(request)
        auth = request.headers.get("authorization", "")
        if not (self.enabled and response.status_code == 403 and auth.startswith("Bearer ")):
            return response
        response.read()
        if b"password_recheck_required" not in response.content:
            return response
        password = self.passwords.get(auth[7:], "correct horse battery")
        recheck = httpx.Request("POST", request.url.copy_with(path="/api/v1/session/recheck"),
                                headers={"authorization": auth}, json={"password": password},
                                extensions=request.extensions)
        again = self.inner.handle_request(recheck)
        again.read()
        if again.status_code != 204:
            return response
        retry = httpx.Request(request.method, request.url, headers=request.headers, content=request.content,
                              extensions=request.extensions)
        return self.inner.handle_request(retry)

    def close(self):
        self.inner.close()


def _port_block():
    """This process's own range of ports: below the kernel's ephemeral range
    (which bind(("", 0)) and outgoing connections draw from, so no other
    program is handed them meanwhile), split between pytest-xdist's workers so
    two workers never choose the same port. The start inside the block is
    random so that two runs at once (SQLite and PostgreSQL suites side by
    side) rarely meet; a port found taken is skipped."""
    try:
        low = int(open("/proc/sys/net/ipv4/ip_local_port_range").read().split()[0])
    except (OSError, ValueError, IndexError):
        low = 32768
    first, last = 10000, max(low, 12000)
    workers = int(os.environ.get("PYTEST_XDIST_WORKER_COUNT", "1"))
    worker = int(os.environ.get("PYTEST_XDIST_WORKER", "gw0")[2:] or 0)
    size = (last - first) // max(workers, 1)
    start = first + worker * size
    return start, size


_PORT_START, _PORT_SIZE = _port_block()
_port_next = [random.randrange(_PORT_SIZE)]


def free_port():
    """A loopback port nobody listens on, from this worker's block (see
    _port_block): the bind(0) way handed two xdist workers the same port."""
    for _ in range(_PORT_SIZE):
        port = _PORT_START + _port_next[0] % _PORT_SIZE
        _port_next[0] += 1
        with socket.socket() as s:
            try:
                s.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    raise AssertionError("no free port in this worker's block")


@pytest.fixture(scope="session")
def pg_server(tmp_path_factory):
    if BACKEND != "postgres":
        yield None
        return
    from pg import start_postgres
    url, stop = start_postgres(str(tmp_path_factory.mktemp("pg")))
    yield url
    stop()


_PG_CONNS = {}   # url -> one psycopg2 connection per test process


def _pg_connect(url):
    import psycopg2
    import psycopg2.extensions as ext
    c = psycopg2.connect(url)
    c.autocommit = True
    # Every value as the server writes it in text, as `psql -At` printed it
    # (t/f, timestamps, arrays), NULL as "": the tests compare those strings.
    cur = c.cursor()
    cur.execute("SELECT oid FROM pg_type")
    raw = ext.new_type(tuple(r[0] for r in cur.fetchall()), "RAW_TEXT", lambda v, _cur: v)
    ext.register_type(raw, c)
    return c


def _pg_query(url, sql):
    """A statement on a kept connection: a psql process per query cost some
    60 ms, and tests make hundreds of them."""
    import psycopg2
    for attempt in (0, 1):
        c = _PG_CONNS.get(url)
        if c is None or c.closed:
            c = _PG_CONNS[url] = _pg_connect(url)
        try:
            cur = c.cursor()
            cur.execute(sql)
            rows = cur.fetchall() if cur.description else []
            return [tuple("" if v is None else str(v) for v in row) for row in rows]
        except psycopg2.OperationalError:   # the server dropped it (a test restarted or killed it)
            c.close()
            if attempt:
                raise


class Database:
    """Direct access for assertions the API cannot show (rows written), and for
    setting up rows no API call makes."""

    def __init__(self, url):
        self.url = url

    def query(self, sql):
        if self.url.startswith("postgresql://"):
            return _pg_query(self.url, sql)
        with sqlite3.connect(self.url) as c:
            return [tuple(str(v) if v is not None else "" for v in row) for row in c.execute(sql)]

    def scalar(self, sql):
        return int(self.query(sql)[0][0])


class Uchet:
    """One uchetd process and helpers to drive it like a client would."""

    def __init__(self, tmp_path, db_url, clock=START_CLOCK, extra_args=()):
        self.tmp = tmp_path
        self.db_url = db_url
        self.db = Database(db_url)
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.log_path = os.path.join(tmp_path, f"uchetd-{self.port}.log")
        self.clock = clock
        self.extra_args = list(extra_args)
        self.proc = None
        self.passwords = {}
        self.pool = []   # (number, activation code) of people already in the database (see people_db)
        self.officer_pool = {}   # role -> logins of officers already in it, never logged in (people_db)
        self.transport = RecheckingTransport(self.passwords)
        self.http = httpx.Client(base_url=self.base, timeout=30, transport=self.transport, verify=PLAIN_HTTP,
                                 event_hooks={"response": [self._check]})

    def _check(self, response):
        response.read()
        CONTRACT.check(response)

    def take_pools(self, people, officers):
        """This server's database is a copy of people_db's: its own copies of
        the unused people and officers (people_db's lists stay whole)."""
        self.pool = list(people)
        self.officer_pool = {role: list(logins) for role, logins in officers.items()}

    def ctl(self, *args, check=True):
        r = subprocess.run([UCHETCTL, "--database", self.db_url, "--clock", self.clock, *args],
                           capture_output=True, text=True, env=ctl_env(args))
        if check and r.returncode != 0:
            raise AssertionError(f"uchetctl {args} failed: {r.stderr}")
        return r

    def start(self):
        args = [UCHETD, "--database", self.db_url, "--listen", f"127.0.0.1:{self.port}",
                "--clock", self.clock, "--allow-clock-control", "--threads", "2",
                *TEST_ARGON2, *self.extra_args]
        self.log = open(self.log_path, "ab")
        self.proc = subprocess.Popen(args, stdout=self.log, stderr=self.log)
        # generous: on a loaded machine (make check beside other work, two
        # xdist workers) an ASan uchetd loading its OCR models took over 30 s
        deadline = time.time() + 120
        with httpx.Client(timeout=1, verify=PLAIN_HTTP) as probe:
            while time.time() < deadline:
                if self.proc.poll() is not None:
                    raise AssertionError("uchetd exited at start:\n" + open(self.log_path).read())
                try:
                    if probe.get(self.base + "/readyz").status_code == 200:
                        return self
                except httpx.HTTPError:
                    pass
                time.sleep(0.01)   # uchetd is usually ready 0.2-0.5 s after exec: poll finely
        raise AssertionError("uchetd did not become ready:\n" + open(self.log_path).read())

    def stop(self, sig=signal.SIGTERM, timeout=30):
        if self.proc and self.proc.poll() is None:
            # Done with it, as a client would be: uchetd lingers 0.3 s on a
            # graceful stop for requests its open connections may still
            # send, and ends that at once when none is open. Requests in
            # flight (test_system's SIGTERM test) keep theirs.
            _close_idle(self.transport.inner)
            self.proc.send_signal(sig)
            self.proc.wait(timeout=timeout)
        code = self.proc.returncode if self.proc else 0
        if self.proc:
            self.log.close()
        self.proc = None
        return code

    def logs(self):
        return open(self.log_path, "rb").read()

    # --- client helpers -------------------------------------------------
    def add_person(self, number=None, purpose="work", language="tg", birth="1995-04-12",
                   passport=None, kind="card"):
        if self.pool and self.clock == START_CLOCK and (number, purpose, language, birth, passport, kind) == \
                (None, "work", "tg", "1995-04-12", None, "card"):
            return self.pool.pop(0)
        number = number or str(7700000000 + int(uuid.uuid4().int % 99999999))
        args = ["person", "add", "--document-kind", kind, "--document-number", number,
                "--surname", "RAHIMOV", "--given-names", "FARRUKH", "--birth-date", birth,
                "--citizenship", "TJK", "--purpose", purpose, "--entry-regime", "visa_free",
                "--language", language]
        if passport:
            args += ["--passport-number", passport]
        out = self.ctl(*args).stdout.strip().splitlines()
        return number, out[-1]

    def activate(self, code, password="correct horse battery"):
        r = self.http.post("/api/v1/activation", json={"activation_code": code, "password": password})
        assert r.status_code == 201, r.text
        self.passwords[r.json()["token"]] = password
        return r.json()["token"]

    def login(self, number, password="correct horse battery", kind="card"):
        r = self.http.post("/api/v1/session", json={"document_kind": kind, "document_number": number,
                                                    "password": password})
        assert r.status_code == 201, r.text
        self.passwords[r.json()["token"]] = password
        return r.json()["token"]

    def new_user(self, **kw):
        number, code = self.add_person(**kw)
        return number, self.activate(code)

    def auth(self, token):
        return {"Authorization": f"Bearer {token}"}

    def register(self, token, region="77", residence=None):
        r = self.http.post("/api/v1/me/registration", headers=self.auth(token),
                           json={"region": region, "residence": residence or RESIDENCE})
        assert r.status_code == 201, r.text
        return r.json()

    def confirm(self, token, lat=RESIDENCE["lat"], lon=RESIDENCE["lon"], accuracy=20.0, key=None):
        body = {"lat": lat, "lon": lon, "accuracy_m": accuracy, "client_time": self.clock,
                "idempotency_key": key or uuid.uuid4().hex}
        return self.http.post("/api/v1/me/confirmations", headers=self.auth(token), json=body)

    def me(self, token):
        r = self.http.get("/api/v1/me", headers=self.auth(token))
        assert r.status_code == 200, r.text
        return r.json()

    def set_clock(self, when):
        r = self.http.put("/api/v1/test/clock", json={"now": when})
        assert r.status_code == 200, r.text
        self.clock = when


def docset_uchet(uchet_factory, tmp_path, monkeypatch, **factory_args):
    """A started uchetd with the document-set check on: a fresh key made by
    `uchetctl keys enrolment-init` in tmp_path, named in its environment."""
    key = tmp_path / "docset.key"
    u = uchet_factory(**factory_args)
    u.ctl("keys", "enrolment-init", "--key-file", str(key))
    monkeypatch.setenv("UCHET_DOCSET_KEY_FILE", str(key))
    return u.start()


def make_db_url(tmp_path, pg_url, template=None):
    """A new, empty database: a file name in tmp_path, or a fresh PostgreSQL
    database (a copy of `template` when given)."""
    if pg_url is None:
        return os.path.join(str(tmp_path), "uchet.db")
    name = "t_" + uuid.uuid4().hex[:12]
    base = pg_url.rsplit("/", 1)[0]
    # FILE_COPY: the template is small and the server runs with fsync off, so
    # copying its files beats writing it all to the WAL (PostgreSQL 15's default).
    copy = f" TEMPLATE {template} STRATEGY FILE_COPY" if template else ""
    _pg_query(pg_url, f"CREATE DATABASE {name}{copy}")
    return f"{base}/{name}"


@pytest.fixture(scope="session")
def initialized_db(tmp_path_factory, pg_server):
    """One database made by `uchetctl init` for the whole session (init is the
    same whatever the clock: tests/api/test_system.py checks it); each test's
    initialized database is a copy of it, which costs a file copy or a
    CREATE DATABASE ... TEMPLATE instead of an ASan uchetctl run."""
    tmp = tmp_path_factory.mktemp("template")
    url = make_db_url(tmp, pg_server)
    r = subprocess.run([UCHETCTL, "--database", url, "--clock", START_CLOCK, "init"],
                       capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    return url


# People and officers added to a copy of the initialized database once per
# session (people_db): a test's add_person() or add_officer(role) with the
# defaults, at START_CLOCK, takes the next unused one instead of an ASan
# uchetctl run (some 0.13 s of CPU each, and on PostgreSQL a server process
# for its connection). Each database copy has its own unused ones.
POOL_PEOPLE = 10
POOL_OFFICERS = ("registrar", "registrar", "inspector", "inspector", "auditor", "supervisor")


@pytest.fixture(scope="session")
def people_db(tmp_path_factory, pg_server, initialized_db):
    """initialized_db with POOL_PEOPLE people added by `uchetctl person add`
    (defaults of Uchet.add_person) and POOL_OFFICERS by `uchetctl officer
    add` (defaults of add_officer), at START_CLOCK; returns
    (url, [(number, code)], {role: [login]})."""
    tmp = tmp_path_factory.mktemp("people")
    url = copy_initialized(initialized_db, tmp, pg_server)
    maker = Uchet(str(tmp), url)
    people = [maker.add_person() for _ in range(POOL_PEOPLE)]
    officers = {}
    for role in POOL_OFFICERS:
        officers.setdefault(role, []).append(add_officer(maker, role))
    return url, people, officers


def copy_initialized(template, tmp_path, pg_url):
    if pg_url is None:
        url = make_db_url(tmp_path, None)
        shutil.copyfile(template, url)
        return url
    return make_db_url(tmp_path, pg_url, template=template.rsplit("/", 1)[1])


@pytest.fixture
def uchet_factory(tmp_path, pg_server, initialized_db, people_db):
    started = []

    def make(clock=START_CLOCK, extra_args=(), db_url=None, init=True, people=True):
        """people=False: the initialized database as init left it."""
        pools = ([], {})
        if init and db_url is None:
            template, *pools = people_db if people else (initialized_db, [], {})
            url = copy_initialized(template, tmp_path, pg_server)
        else:
            url = db_url or make_db_url(tmp_path, pg_server)
            if init:
                Uchet(str(tmp_path), url, clock).ctl("init")
        u = Uchet(str(tmp_path), url, clock, extra_args)
        u.take_pools(*pools)
        started.append(u)
        return u

    yield make
    # The test is over and nothing more is read from these servers: SIGKILL
    # instead of the graceful stop (its drain, its linger, and ASan's leak
    # scan at exit, whose verdict nobody read here) saves over a second per
    # server. Tests that care how uchetd stops stop it themselves
    # (test_system, test_crash, test_privacy, test_push...).
    for u in started:
        u.stop(signal.SIGKILL)


@pytest.fixture
def uchet(uchet_factory):
    return uchet_factory().start()


@pytest.fixture(scope="module")
def module_uchet_factory(tmp_path_factory, pg_server, people_db):
    """uchet_factory for servers that serve a whole module's tests (each
    pytest-xdist worker that runs some of them starts its own): for tests
    that only read what the module's fixture made, or that make their own
    people. Such tests must not depend on each other's order: run the module
    in file order, in reverse (its node ids in that order on the command
    line) and with `-n 2`. A test that moves the clock puts it back. Each server has its own database, TOTP and VAPID key files in
    its own directory (the per-test key files of the autouse fixtures below
    live only as long as one test). Mark the tests that use one with
    @pytest.mark.xdist_group (see pytest_configure; make check runs
    --dist loadgroup): otherwise both workers take some and each starts the
    server and its fixtures."""
    started = []

    def make(clock=START_CLOCK, extra_args=()):
        tmp = tmp_path_factory.mktemp("module")
        url = copy_initialized(people_db[0], tmp, pg_server)
        keys = ("--totp-key-file", write_totp_key(tmp / "totp.key"), "--vapid-key-file", str(tmp / "vapid.pem"))
        u = Uchet(str(tmp), url, clock, (*keys, *extra_args))
        u.take_pools(*people_db[1:])
        started.append(u)
        return u

    yield make
    for u in started:   # as uchet_factory: nobody reads these servers any more
        u.stop(signal.SIGKILL)


# --- desk helpers (officers) -------------------------------------------------
OFFICER_PASSWORD = "desk password 2025"


def add_officer(uchet, role, login=None, password=OFFICER_PASSWORD, argon2=TEST_ARGON2):
    """Creates a desk account with `uchetctl officer add --password-stdin`
    (or, with the defaults at START_CLOCK, takes one of people_db's); returns its login."""
    pooled = uchet.officer_pool.get(role) if (login, password, argon2) == (None, OFFICER_PASSWORD, TEST_ARGON2) \
        and uchet.clock == START_CLOCK else None
    if pooled:
        return pooled.pop(0)
    login = login or f"{role}-{uuid.uuid4().hex[:8]}"
    args = [*argon2, "officer", "add", "--login", login, "--name", f"Officer {login}", "--role", role,
            "--password-stdin"]
    r = subprocess.run([UCHETCTL, "--database", uchet.db_url, "--clock", uchet.clock, *args],
                       input=password + "\n", capture_output=True, text=True, env=ctl_env(args))
    assert r.returncode == 0, r.stderr
    return login


def totp_code(secret_b32, step):
    """RFC 6238 (HMAC-SHA-1, 6 digits) for one 30-second step, from the
    standard library: independent of the liboath that uchetd uses."""
    key = base64.b32decode(secret_b32 + "=" * (-len(secret_b32) % 8))
    mac = hmac.new(key, struct.pack(">Q", step), hashlib.sha1).digest()
    off = mac[-1] & 0x0F
    return "%06d" % ((struct.unpack(">I", mac[off:off + 4])[0] & 0x7FFFFFFF) % 1_000_000)


def clock_step(uchet):
    """The TOTP step of uchetd's injected clock."""
    return int(datetime.datetime.fromisoformat(uchet.clock.replace("Z", "+00:00")).timestamp()) // 30


# (database, login) -> the officer's authenticator as the tests keep it:
# its secret, the last step used, the unused recovery codes.
AUTHENTICATORS = {}


def desk_enrol(uchet, login, password=OFFICER_PASSWORD):
    """First log-in: the password gives a TOTP secret, the first code confirms
    it; returns (Authorization header, the 201 answer's JSON)."""
    r = uchet.http.post("/api/v1/desk/session", json={"login": login, "password": password})
    assert r.status_code == 202, r.text
    secret, step = r.json()["secret"], clock_step(uchet)
    r = uchet.http.post("/api/v1/desk/session/totp",
                        json={"enrolment_token": r.json()["enrolment_token"], "code": totp_code(secret, step)})
    assert r.status_code == 201, r.text
    AUTHENTICATORS[(uchet.db_url, login)] = {"secret": secret, "step": step,
                                            "recovery": list(r.json()["recovery_codes"])}
    return {"Authorization": f"Bearer {r.json()['token']}"}, r.json()


def desk_credentials(uchet, login, password=OFFICER_PASSWORD):
    """The log-in body of an enrolled officer: the next unused code (the
    clock is frozen in tests, so now and the next step, then a recovery code)."""
    a = AUTHENTICATORS[(uchet.db_url, login)]
    now = clock_step(uchet)
    step = max(now, a["step"] + 1)
    if step <= now + 1:
        a["step"] = step
        return {"login": login, "password": password, "code": totp_code(a["secret"], step)}
    return {"login": login, "password": password, "recovery_code": a["recovery"].pop()}


def desk_login(uchet, login, password=OFFICER_PASSWORD):
    """Logs an officer in at the desk (enrolling the authenticator the first
    time); returns the Authorization header for the desk."""
    if (uchet.db_url, login) not in AUTHENTICATORS:
        return desk_enrol(uchet, login, password)[0]
    r = uchet.http.post("/api/v1/desk/session", json=desk_credentials(uchet, login, password))
    assert r.status_code == 201, r.text
    return {"Authorization": f"Bearer {r.json()['token']}"}


def officer(uchet, role):
    """A logged-in officer of `role`: the desk Authorization header."""
    return desk_login(uchet, add_officer(uchet, role))


# --- Web Push key --------------------------------------------------------------
@pytest.fixture(autouse=True)
def vapid_key_per_test(tmp_path, monkeypatch):
    """uchetd keeps its Web Push (VAPID) key beside an SQLite database; with a
    PostgreSQL URL the default is ./vapid.pem, the working directory (here the
    repository). Give each test its own key file there instead."""
    if BACKEND == "postgres":
        monkeypatch.setenv("UCHET_VAPID_KEY_FILE", str(tmp_path / "vapid.pem"))


# --- the officers' TOTP key ------------------------------------------------------
def write_totp_key(path):
    """A key file as `uchetctl keys totp-init` writes it (bio/vault's format:
    "<8-byte id> <32-byte key>" in hex, mode 0600), without an uchetctl run."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as f:
        f.write(f"{os.urandom(8).hex()} {os.urandom(32).hex()}\n")
    return str(path)


@pytest.fixture(autouse=True)
def totp_key_per_test(tmp_path, monkeypatch):
    """uchetd seals the officers' TOTP secrets under totp_key_file and will
    not start without one: each test's servers share one (a restart must
    open what the first start sealed)."""
    monkeypatch.setenv("UCHET_TOTP_KEY_FILE", write_totp_key(tmp_path / "totp.key"))
