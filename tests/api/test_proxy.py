"""The production front (deploy/nginx/uchet.conf) in front of uchetd: TLS,
HTTP/2, and the edge attacks of issue 12 sent through it.

nginx runs this very configuration file, with its ports, certificate and
upstream replaced, on loopback with a throwaway self-signed certificate.
Skipped only when nginx is absent (scripts/deps.sh check installs it).
"""
import os
import re
import shutil
import socket
import ssl
import subprocess
import threading
import time

import httpx
import pytest

from conftest import ROOT, free_port

NGINX = shutil.which("nginx") or "/usr/sbin/nginx"
pytestmark = pytest.mark.skipif(not os.path.exists(NGINX), reason="nginx is not installed")


@pytest.fixture
def proxy(uchet, tmp_path):
    d = tmp_path / "nginx"
    d.mkdir()
    os.chmod(d, 0o755)
    cert, key = d / "cert.pem", d / "key.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256",
                    "-nodes", "-days", "2", "-subj", "/CN=localhost", "-keyout", str(key), "-out", str(cert)],
                   check=True, capture_output=True)
    tls_port, plain_port = free_port(), free_port()
    conf = open(os.path.join(ROOT, "deploy/nginx/uchet.conf")).read()
    conf = conf.replace("listen 443 ssl http2;", f"listen 127.0.0.1:{tls_port} ssl http2;")
    conf = conf.replace("listen 80;", f"listen 127.0.0.1:{plain_port};")
    conf = re.sub(r"\n\s*listen \[::\]:\d+[^;]*;", "", conf)
    conf = conf.replace("/etc/ssl/uchet/fullchain.pem", str(cert)).replace("/etc/ssl/uchet/privkey.pem", str(key))
    conf = conf.replace("server 127.0.0.1:8080", f"server 127.0.0.1:{uchet.port}")
    conf = conf.replace("/var/log/nginx/uchet.access.log", str(d / "access.log"))
    (d / "uchet.conf").write_text(conf)
    user = "user root;\n" if os.geteuid() == 0 else ""
    (d / "nginx.conf").write_text(f"""{user}worker_processes 1;
daemon off;
pid {d}/nginx.pid;
error_log {d}/error.log warn;
events {{ worker_connections 1024; }}
http {{
    access_log off;
    client_body_temp_path {d}/body; proxy_temp_path {d}/proxy; fastcgi_temp_path {d}/fcgi;
    uwsgi_temp_path {d}/uwsgi; scgi_temp_path {d}/scgi;
    include {d}/uchet.conf;
}}
""")
    proc = subprocess.Popen([NGINX, "-p", str(d), "-c", str(d / "nginx.conf")],
                            stdout=subprocess.DEVNULL, stderr=open(d / "stderr", "wb"))
    deadline = time.time() + 10
    while time.time() < deadline:
        try:
            socket.create_connection(("127.0.0.1", tls_port), timeout=0.2).close()
            break
        except OSError:
            if proc.poll() is not None:
                raise AssertionError(open(d / "stderr").read() + open(d / "error.log").read())
            time.sleep(0.05)
    yield {"tls": tls_port, "plain": plain_port, "dir": d}
    proc.terminate()
    proc.wait(timeout=10)


def tls_conn(port, alpn=("http/1.1",)):
    ctx = ssl.create_default_context()
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    ctx.set_alpn_protocols(list(alpn))
    s = socket.create_connection(("127.0.0.1", port), timeout=3)
    return ctx.wrap_socket(s, server_hostname="localhost")


def exchange(port, data, wait=2.0):
    s = tls_conn(port)
    s.settimeout(wait)
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
    except (ConnectionResetError, ssl.SSLError):
        closed = True
    s.close()
    return out, closed


def upstream_count(uchet, route):
    m = uchet.http.get("/metrics").text
    return sum(int(l.rsplit(" ", 1)[1]) for l in m.splitlines()
               if l.startswith(f'uchet_http_requests_total{{route="{route}"'))


def test_tls_http2_and_hsts(uchet, proxy):
    with httpx.Client(verify=False, http2=False) as c:
        r = c.get(f"https://127.0.0.1:{proxy['tls']}/healthz")
    assert r.status_code == 200 and r.json() == {"status": "ok"}
    assert "max-age=" in r.headers["strict-transport-security"]
    assert r.headers["x-content-type-options"] == "nosniff"
    assert r.headers["server"] == "nginx", "no version in Server (server_tokens off)"
    assert r.headers.get_list("content-security-policy").__len__() == 1, "one CSP, not uchetd's and nginx's"
    s = tls_conn(proxy["tls"], alpn=("h2", "http/1.1"))
    assert s.selected_alpn_protocol() == "h2"
    assert s.version() in ("TLSv1.2", "TLSv1.3")
    s.close()
    # Plain HTTP only redirects.
    r = httpx.get(f"http://127.0.0.1:{proxy['plain']}/healthz")
    assert r.status_code == 301 and r.headers["location"].startswith("https://")


def test_old_tls_is_refused(proxy):
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    import warnings
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        ctx.minimum_version = ctx.maximum_version = ssl.TLSVersion.TLSv1_1
    try:
        ctx.set_ciphers("DEFAULT:@SECLEVEL=0")
    except ssl.SSLError:
        pass
    with pytest.raises((ssl.SSLError, OSError)):
        with socket.create_connection(("127.0.0.1", proxy["tls"]), timeout=3) as raw:
            ctx.wrap_socket(raw, server_hostname="localhost")


SMUGGLED = b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n"


@pytest.mark.parametrize("head", [
    b"Content-Length: 5\r\nTransfer-Encoding: chunked\r\n",
    b"Content-Length: 0\r\nContent-Length: 35\r\n",
])
def test_smuggling_through_the_proxy(uchet, proxy, head):
    before = upstream_count(uchet, "/api/v1/session") + upstream_count(uchet, "/healthz")
    req = (b"POST /api/v1/session HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n" + head +
           b"\r\n0\r\n\r\n" + SMUGGLED)
    out, closed = exchange(proxy["tls"], req)
    assert out.startswith(b"HTTP/1.1 400"), out[:200]
    assert out.count(b"HTTP/1.1 ") == 1, out
    assert b"application/problem+json" in out and b"strict-transport-security" in out.lower()
    assert closed
    after = upstream_count(uchet, "/api/v1/session") + upstream_count(uchet, "/healthz")
    assert after == before, "nothing of it reached uchetd"


def test_errors_the_proxy_answers_are_problem_json(proxy):
    # A 1 MB header, and a bad Content-Length.
    big = b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: " + b"a" * (1 << 20) + b"\r\n\r\n"
    out, _ = exchange(proxy["tls"], big)
    assert out.startswith(b"HTTP/1.1 400") and b"application/problem+json" in out, out[:300]
    assert b"x-content-type-options: nosniff" in out.lower()
    out, _ = exchange(proxy["tls"], b"POST /api/v1/session HTTP/1.1\r\nHost: x\r\nContent-Length: 12x\r\n\r\n")
    assert out.startswith(b"HTTP/1.1 400") and b"application/problem+json" in out, out[:300]
    out, _ = exchange(proxy["tls"], b"POST /api/v1/session HTTP/1.1\r\nHost: x\r\nContent-Length: 99999999\r\n\r\n")
    assert out.startswith(b"HTTP/1.1 413") and b"application/problem+json" in out, out[:300]


# --- HTTP/2 rapid reset (CVE-2023-44487) through the proxy --------------------

PREFACE = b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"


def frame(kind, flags, stream, payload=b""):
    return len(payload).to_bytes(3, "big") + bytes([kind, flags]) + stream.to_bytes(4, "big") + payload


def headers_block(path):
    def lit(name, value):   # literal header field without indexing, no Huffman
        return b"\x00" + bytes([len(name)]) + name + bytes([len(value)]) + value
    return (lit(b":method", b"GET") + lit(b":scheme", b"https") + lit(b":path", path) +
            lit(b":authority", b"localhost"))


@pytest.mark.serial
def test_rapid_reset_through_the_proxy_is_bounded(uchet, proxy):
    before = upstream_count(uchet, "/healthz")
    s = tls_conn(proxy["tls"], alpn=("h2",))
    assert s.selected_alpn_protocol() == "h2"
    s.sendall(PREFACE + frame(4, 0, 0))
    block = headers_block(b"/healthz")
    streams, sent, closed = 20000, 0, False
    latencies = []

    def probe():
        for _ in range(10):
            t = time.time()
            httpx.get(uchet.base + "/healthz", timeout=10)
            latencies.append(time.time() - t)
            time.sleep(0.1)

    th = threading.Thread(target=probe)
    th.start()
    start = time.time()
    try:
        batch = b""
        for i in range(streams):
            sid = 2 * i + 1
            batch += frame(1, 0x05, sid, block) + frame(3, 0, sid, (8).to_bytes(4, "big"))  # CANCEL
            if len(batch) > 32768:
                s.sendall(batch)
                sent = i + 1
                batch = b""
        s.sendall(batch)
        sent = streams
    except (BrokenPipeError, ConnectionResetError, ssl.SSLError, socket.timeout, OSError):
        closed = True
    # Read until nginx closes: it sends GOAWAY after keepalive_requests streams.
    s.settimeout(5)
    goaway = False
    try:
        while True:
            chunk = s.recv(65536)
            if not chunk:
                closed = True
                break
            if b"\x07\x00\x00\x00\x00\x00" in chunk:
                goaway = True
    except (socket.timeout, ConnectionResetError, ssl.SSLError, OSError):
        pass
    s.close()
    th.join()
    elapsed = time.time() - start
    reached = upstream_count(uchet, "/healthz") - before - len(latencies)
    # Bounded work: at most keepalive_requests (1000) streams of the
    # connection reach uchetd, however many were sent.
    assert reached <= 1000, f"{reached} of {sent} reset streams reached uchetd"
    assert closed or goaway or sent < streams, "nginx must end such a connection"
    assert max(latencies) < 1.0, f"/healthz took {max(latencies):.2f} s during the attack"
    print(f"rapid reset: {sent} streams sent in {elapsed:.1f} s, {reached} reached uchetd, "
          f"worst /healthz {max(latencies) * 1000:.0f} ms")
