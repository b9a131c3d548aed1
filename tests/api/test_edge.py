"""The HTTP edge under attack (issue 12): request smuggling, cleartext HTTP/2,
descriptor exhaustion, the separate /metrics listener.

Raw sockets, not httpx: these are requests no well-behaved client sends.
"""
import json
import os
import resource
import socket
import subprocess
import time

import httpx
import pytest

from conftest import UCHETD, Uchet, free_port, make_db_url


def raw(port, data, wait=1.5):
    """Sends data on one connection; returns everything read until the server
    closes it (or `wait` seconds pass with nothing new), and whether it closed."""
    s = socket.create_connection(("127.0.0.1", port), timeout=wait)
    s.sendall(data)
    out, closed = b"", False
    try:
        while True:
            chunk = s.recv(65536)
            if not chunk:
                closed = True
                break
            out += chunk
    except socket.timeout:
        pass
    except ConnectionResetError:
        closed = True
    s.close()
    return out, closed


def responses(data):
    return data.count(b"HTTP/1.1 ")


SMUGGLED = b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n"


@pytest.fixture(scope="module")
def edge(module_uchet_factory):
    """One uchetd for the framing tests below (each on its own connection,
    none writes anything or reads a count): an ASan start per test was most
    of their time. The cleartext-HTTP/2 test counts /healthz answers and
    keeps a server of its own. Marked xdist_group: one worker runs them all."""
    return module_uchet_factory().start()


framing = pytest.mark.xdist_group("edge_framing")


@framing
def test_content_length_with_transfer_encoding_is_refused_and_closed(edge):
    # The chunked body ends at "0\r\n\r\n"; a front end that trusted
    # Content-Length would forward the rest as part of this body. Either way
    # the second request must never be answered.
    body = b"0\r\n\r\n"
    req = (b"POST /api/v1/session HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
           b"Content-Length: %d\r\nTransfer-Encoding: chunked\r\n\r\n" % len(body)) + body + SMUGGLED
    out, closed = raw(edge.port, req)
    assert out.startswith(b"HTTP/1.1 400"), out[:200]
    assert b"application/problem+json" in out and b"ambiguous_framing" in out
    assert b"content-security-policy" in out.lower()
    assert responses(out) == 1, out
    assert b'"status":"ok"' not in out
    assert closed


@framing
def test_transfer_encoding_then_content_length_is_refused(edge):
    req = (b"POST /api/v1/session HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n"
           b"Content-Length: 5\r\nContent-Type: application/json\r\n\r\n0\r\n\r\n") + SMUGGLED
    out, closed = raw(edge.port, req)
    assert out.startswith(b"HTTP/1.1 400") and responses(out) == 1 and closed, out


@framing
def test_two_different_content_lengths_are_refused_and_closed(edge):
    req = (b"POST /api/v1/session HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
           b"Content-Length: 0\r\nContent-Length: %d\r\n\r\n" % len(SMUGGLED)) + SMUGGLED
    out, closed = raw(edge.port, req)
    assert out.startswith(b"HTTP/1.1 400"), out[:200]
    assert b"ambiguous_framing" in out
    assert responses(out) == 1 and closed, out


@framing
def test_transfer_encoding_in_http10_is_refused(edge):
    req = b"POST /api/v1/session HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n"
    out, closed = raw(edge.port, req)
    assert out.startswith(b"HTTP/1.1 400") and closed, out


@framing
def test_a_plain_pipeline_is_still_served(edge):
    # The check must not break keep-alive: two well-framed requests, two answers.
    req = (b"POST /api/v1/session HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
           b"Content-Length: 2\r\n\r\n{}") + SMUGGLED
    out, _ = raw(edge.port, req, wait=1.0)
    assert responses(out) == 2, out
    assert b'"status":"ok"' in out


@framing
def test_chunked_alone_is_still_served(edge):
    req = (b"POST /api/v1/session HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
           b"Transfer-Encoding: chunked\r\n\r\n2\r\n{}\r\n0\r\n\r\n") + SMUGGLED
    out, _ = raw(edge.port, req, wait=1.0)
    assert responses(out) == 2 and b'"status":"ok"' in out, out


PREFACE = b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"
# SETTINGS (empty), then HEADERS for stream 1: GET /healthz, literal fields, no Huffman.
SETTINGS = b"\x00\x00\x00\x04\x00\x00\x00\x00\x00"


def _h2_headers(stream_id):
    def lit(name, value):
        return b"\x00" + bytes([len(name)]) + name + bytes([len(value)]) + value
    block = lit(b":method", b"GET") + lit(b":path", b"/healthz") + lit(b":scheme", b"http") + \
        lit(b":authority", b"x")
    return len(block).to_bytes(3, "big") + b"\x01\x05" + stream_id.to_bytes(4, "big") + block


def _rst(stream_id):
    return b"\x00\x00\x04\x03\x00" + stream_id.to_bytes(4, "big") + b"\x00\x00\x00\x08"


@pytest.mark.serial
def test_no_cleartext_http2_prior_knowledge(uchet):
    # A rapid-reset burst: 2,000 HEADERS+RST_STREAM pairs after the preface.
    burst = b"".join(_h2_headers(i) + _rst(i) for i in range(1, 4000, 2))
    start = time.time()
    out, closed = raw(uchet.port, PREFACE + SETTINGS + burst, wait=2)
    assert closed, "the connection must be closed"
    assert not out.startswith(b"\x00"), "an HTTP/2 SETTINGS frame came back: h2 is served in cleartext"
    assert out.startswith(b"HTTP/1.1 400"), out[:100]
    assert time.time() - start < 3
    # Nothing of the burst reached a handler: no /healthz was counted.
    m = uchet.http.get("/metrics").text
    served = sum(int(line.rsplit(" ", 1)[1]) for line in m.splitlines()
                 if line.startswith('uchet_http_requests_total{route="/healthz"'))
    assert served == 0, m


@framing
def test_no_h2c_upgrade(edge):
    req = (b"GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: Upgrade, HTTP2-Settings\r\n"
           b"Upgrade: h2c\r\nHTTP2-Settings: AAMAAABkAAQAAP__\r\n\r\n")
    out, _ = raw(edge.port, req, wait=1.0)
    assert out.startswith(b"HTTP/1.1 200"), out[:100]
    assert b"101 Switching" not in out


@pytest.mark.serial
def test_healthz_answers_with_1100_idle_sockets_and_a_1024_file_limit(tmp_path, pg_server):
    """Descriptor exhaustion: uchetd runs with the open-file limit at 1,024
    (soft and hard, so it cannot raise it); 1,100 idle connections must not
    keep /healthz out, and the server must not spin while they are open."""
    url = make_db_url(tmp_path, pg_server)
    u = Uchet(str(tmp_path), url)
    u.ctl("init")

    def limit():
        resource.setrlimit(resource.RLIMIT_NOFILE, (1024, 1024))

    args = [UCHETD, "--database", url, "--listen", f"127.0.0.1:{u.port}", "--threads", "2",
            "--clock", u.clock]
    log = open(os.path.join(str(tmp_path), "fd.log"), "ab")
    proc = subprocess.Popen(args, stdout=log, stderr=log, preexec_fn=limit)
    socks = []
    try:
        deadline = time.time() + 30
        while time.time() < deadline:
            try:
                if httpx.get(u.base + "/readyz", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.05)
        # The test process needs room for its own 1,100 sockets.
        soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
        if soft < 2048:
            resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, 4096), hard))
        for _ in range(1100):
            s = socket.socket()
            s.setblocking(False)
            s.connect_ex(("127.0.0.1", u.port))
            socks.append(s)
        time.sleep(0.5)
        cpu0 = _cpu(proc.pid)
        worst = 0.0
        for _ in range(5):
            t = time.time()
            r = httpx.get(u.base + "/healthz", timeout=5)
            worst = max(worst, time.time() - t)
            assert r.status_code == 200
        time.sleep(1.0)
        cpu = _cpu(proc.pid) - cpu0
        assert worst < 1.0, f"healthz took {worst:.2f} s"
        assert cpu < 0.8, f"uchetd used {cpu:.2f} s of CPU in ~1.5 s with idle sockets: a busy loop"
    finally:
        for s in socks:
            s.close()
        proc.terminate()
        proc.wait(timeout=30)
        log.close()


def _cpu(pid):
    fields = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def test_metrics_on_a_separate_listener(uchet_factory):
    mport = free_port()
    u = uchet_factory(extra_args=["--metrics-listen", f"127.0.0.1:{mport}"]).start()
    assert u.http.get("/metrics").status_code == 404
    r = httpx.get(f"http://127.0.0.1:{mport}/metrics")
    assert r.status_code == 200 and "uchet_http_requests_total" in r.text
    assert httpx.get(f"http://127.0.0.1:{mport}/healthz").status_code == 404
    # A Host header cannot reach the other listener's routes.
    assert u.http.get("/metrics", headers={"Host": "metrics"}).status_code == 404


# --- storage: full disk, PostgreSQL away, file modes -------------------------

def _fill(path):
    """Writes a file until the disk is full; returns its path. Unbuffered:
    a buffered file keeps the bytes a short write left and raises ENOSPC
    again from close(), depending on how much room there was."""
    filler = os.path.join(path, "filler")
    fd = os.open(filler, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        while os.write(fd, b"\0" * 65536) > 0:
            pass
    except OSError:
        pass
    finally:
        os.close(fd)
    return filler


def _write_until_refused(u, token, tries=400):
    for _ in range(tries):
        r = u.confirm(token)
        if r.status_code not in (200, 201):
            return r
    return r


@pytest.mark.skipif(os.geteuid() != 0, reason="mounts a small tmpfs (root only)")
def test_full_disk_is_503_not_ready_and_recovers(tmp_path, pg_server):
    if pg_server is not None:
        pytest.skip("the SQLite file on a full disk; PostgreSQL is the next test")
    mnt = tmp_path / "small"
    mnt.mkdir()
    subprocess.run(["mount", "-t", "tmpfs", "-o", "size=16m", "tmpfs", str(mnt)], check=True)
    u = None
    try:
        u = Uchet(str(mnt), str(mnt / "uchet.db"))
        u.ctl("init")
        u.start()
        _, token = u.new_user()
        u.register(token)
        assert u.http.get("/readyz").status_code == 200
        filler = _fill(str(mnt))
        r = _write_until_refused(u, token)
        assert r.status_code == 503, r.text
        assert r.headers["content-type"] == "application/problem+json"
        assert r.json()["code"] == "storage_unavailable"
        assert int(r.headers["retry-after"]) > 0
        ready = u.http.get("/readyz")
        assert ready.status_code == 503 and "retry-after" in ready.headers
        assert u.http.get("/healthz").status_code == 200   # alive, only not ready
        logs = u.logs()
        assert b'"event":"storage.failed"' in logs
        # Room again: /readyz's own write probe brings it back, no traffic needed.
        os.unlink(filler)
        deadline = time.time() + 10
        while time.time() < deadline and u.http.get("/readyz").status_code != 200:
            time.sleep(0.3)
        assert u.http.get("/readyz").status_code == 200
        assert u.confirm(token).status_code in (200, 201)
    finally:
        if u:
            u.stop()
        subprocess.run(["umount", "-l", str(mnt)])


@pytest.mark.skipif(os.geteuid() != 0, reason="stops and restarts its own PostgreSQL (root harness)")
@pytest.mark.skipif(os.environ.get("UCHET_TEST_BACKEND") == "postgres",
                    reason="starts its own PostgreSQL whatever the suite: runs once, on the sqlite run")
def test_postgres_unreachable_is_503_not_ready_and_recovers(tmp_path):
    import pg
    url, stop = pg.start_postgres(str(tmp_path))
    base = open(tmp_path / "postgres-location.txt").read().strip()
    data, sock, log = os.path.join(base, "data"), os.path.join(base, "run"), os.path.join(base, "setup.log")
    port = int(url.rsplit(":", 1)[1].split("/")[0])
    u = None
    try:
        u = Uchet(str(tmp_path), url)
        u.ctl("init")
        u.start()
        _, token = u.new_user()
        u.register(token)
        pg._stop(data, log)
        r = _write_until_refused(u, token, tries=3)
        assert r.status_code == 503, r.text
        assert r.json()["code"] == "storage_unavailable" and "retry-after" in r.headers
        assert u.http.get("/readyz").status_code == 503
        pg._start(data, sock, port, log)
        deadline = time.time() + 20
        while time.time() < deadline and u.http.get("/readyz").status_code != 200:
            time.sleep(0.5)
        assert u.http.get("/readyz").status_code == 200
        assert u.confirm(token).status_code in (200, 201)
    finally:
        if u:
            u.stop()
        stop()


def test_database_wal_and_backup_files_are_0600(uchet_factory, pg_server, tmp_path):
    if pg_server is not None:
        pytest.skip("file modes of the SQLite files")
    # A database `uchetctl init` creates itself, not the suite's shared copy.
    uchet = uchet_factory(db_url=str(tmp_path / "fresh.db"), init=True).start()
    _, token = uchet.new_user()
    uchet.register(token)
    for suffix in ("", "-wal", "-shm"):
        path = uchet.db_url + suffix
        if os.path.exists(path):
            mode = os.stat(path).st_mode & 0o777
            assert mode == 0o600, f"{path} is {oct(mode)}"
    assert os.path.exists(uchet.db_url + "-wal")
    backup = str(tmp_path / "copy.db")
    uchet.ctl("backup", "--to", backup)
    assert os.stat(backup).st_mode & 0o777 == 0o600


def test_refusals_are_logged_without_tokens_or_numbers(uchet):
    token = "A" * 43
    r = uchet.http.get("/api/v1/me", headers={"Authorization": "Bearer " + token})
    assert r.status_code == 401
    r = uchet.http.post("/api/v1/desk/appeals/770012345678/decision", json={})
    assert r.status_code in (401, 403)
    lines = [json.loads(l) for l in uchet.logs().decode().splitlines() if l.startswith("{")]
    denied = [l for l in lines if l.get("event") == "security.denied"]
    assert any(l["status"] == "401" and l["route"] == "/api/v1/me" and l["peer"] == "127.0.0.1" for l in denied), denied
    assert any(l["route"] == "/api/v1/desk/appeals/{id}/decision" for l in denied), denied
    text = uchet.logs().decode()
    assert token not in text and "770012345678" not in text


# --- uchetctl demo: published passwords only in demo data ---------------------

def test_demo_refuses_a_real_database_unless_forced(uchet_factory):
    u = uchet_factory(people=False)   # as init left it: no one in it yet
    if u.db_url.startswith("postgresql://"):
        r = u.ctl("demo", check=False)
        assert r.returncode == 1 and "PostgreSQL" in r.stderr
        return
    # A fresh database: demo runs, and again (make run does that each time).
    assert u.ctl("demo").returncode == 0
    assert u.ctl("demo").returncode == 0
    # A real person in it: refused, nothing changed, the demo password not set.
    u.add_person(number="7712345678")
    before = u.db.scalar("SELECT COUNT(*) FROM persons")
    r = u.ctl("demo", check=False)
    assert r.returncode == 1 and "refusing" in r.stderr
    assert u.db.scalar("SELECT COUNT(*) FROM persons") == before
    assert u.ctl("demo", "--force").returncode == 0


def test_demo_refuses_a_database_with_a_real_officer(uchet_factory):
    from conftest import add_officer
    u = uchet_factory()
    if u.db_url.startswith("postgresql://"):
        pytest.skip("PostgreSQL is refused outright (previous test)")
    add_officer(u, "inspector")
    r = u.ctl("demo", check=False)
    assert r.returncode == 1 and "not demo data" in r.stderr
    assert u.db.scalar("SELECT COUNT(*) FROM officers WHERE login = 'registrar'") == 0


def test_the_shipped_ini_file_is_valid(tmp_path):
    """deploy/systemd/uchetd.ini, paths and ports replaced, starts uchetd with
    /metrics on its own listener."""
    from conftest import ROOT
    port, mport = free_port(), free_port()
    db = str(tmp_path / "uchet.db")
    subprocess.run([os.path.join(os.path.dirname(UCHETD), "../cli/uchetctl"), "--database", db, "init"],
                   check=True, capture_output=True)
    ini = open(os.path.join(ROOT, "deploy/systemd/uchetd.ini")).read()
    ini = ini.replace("127.0.0.1:8080", f"127.0.0.1:{port}").replace("127.0.0.1:9100", f"127.0.0.1:{mport}")
    ini = ini.replace("/var/lib/uchet/uchet.db", db).replace("/var/lib/uchet/vapid.pem", str(tmp_path / "v.pem"))
    ini = ini.replace("/usr/local/share/uchet", ROOT)
    (tmp_path / "uchetd.ini").write_text(ini)
    log = open(tmp_path / "ini.log", "wb")
    proc = subprocess.Popen([UCHETD, "--config", str(tmp_path / "uchetd.ini")], stdout=log, stderr=log)
    try:
        deadline = time.time() + 30
        ok = False
        while time.time() < deadline and not ok:
            assert proc.poll() is None, open(tmp_path / "ini.log").read()
            try:
                ok = httpx.get(f"http://127.0.0.1:{port}/readyz", timeout=1).status_code == 200
            except httpx.HTTPError:
                time.sleep(0.1)
        assert ok
        assert httpx.get(f"http://127.0.0.1:{mport}/metrics").status_code == 200
        assert httpx.get(f"http://127.0.0.1:{port}/metrics").status_code == 404
    finally:
        proc.terminate()
        proc.wait(timeout=30)
        log.close()
