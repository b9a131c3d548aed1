"""Bad input of every kind gets a clear 4xx problem, never a crash or a change.

The module's tests share one uchetd (`uchet` below, one xdist group): each
makes its own person if it needs one, and the one that counts rows compares
them before and after its own requests, with no other test running on that
server meanwhile. No test depends on another having run first (checked in
file order, reversed, and in two xdist workers)."""
import socket

import httpx
import pytest

pytestmark = pytest.mark.xdist_group("bad_input")


@pytest.fixture(scope="module")
def uchet(module_uchet_factory):
    """The module's uchetd (see above), in place of conftest's one per test."""
    return module_uchet_factory().start()


def counts(uchet):
    return [uchet.db.scalar(f"SELECT COUNT(*) FROM {t}") for t in ("persons", "sessions", "registrations", "audit")]


def test_malformed_bodies(uchet):
    _, token = uchet.new_user()
    before = counts(uchet)
    h = {**uchet.auth(token), "content-type": "application/json"}
    cases = [
        (b"{", "malformed_json"), (b"", "malformed_json"), (b"[]", "not_an_object"),
        (b'"text"', "not_an_object"), (b'{"region": "77", "region": "50"}', "malformed_json"),
        (b'{"region": "77", "residence": []}', "invalid_type"), (b"\xff\xfe{}", "malformed_json"),
        (b'{"region": "7\\u00007"}', "malformed_json"),
    ]
    for body, code in cases:
        r = uchet.http.post("/api/v1/me/registration", headers=h, content=body)
        assert r.status_code == 400, (body, r.text)
        assert r.headers["content-type"] == "application/problem+json"
        assert r.json()["code"] == code, (body, r.json())
        assert r.json()["detail"]
    assert counts(uchet) == before


def test_ten_megabyte_body(uchet):
    _, token = uchet.new_user()
    r = uchet.http.post("/api/v1/me/confirmations", headers={**uchet.auth(token), "content-type": "application/json"},
                        content=b"{" + b" " * (10 * 1024 * 1024) + b"}")
    assert r.status_code == 413 and r.json()["code"] == "body_too_large"
    assert uchet.http.get("/healthz").status_code == 200


def test_wrong_content_type(uchet):
    r = uchet.http.post("/api/v1/session", content=b"document_kind=card", headers={"content-type": "application/x-www-form-urlencoded"})
    assert r.status_code == 415 and r.json()["code"] == "unsupported_media_type"


def test_unknown_route_and_wrong_method(uchet):
    r = uchet.http.get("/api/v1/nothing-here")
    assert r.status_code == 404 and r.json()["code"] == "not_found"
    r = uchet.http.put("/api/v1/session", json={})
    assert r.status_code == 405 and r.json()["code"] == "method_not_allowed"


def test_deeply_nested_json(uchet):
    body = b'{"region":' + b"[" * 5000 + b"]" * 5000 + b"}"
    r = uchet.http.post("/api/v1/session", content=body, headers={"content-type": "application/json"})
    assert r.status_code == 400


def test_garbage_on_the_socket_does_not_hurt(uchet):
    with socket.create_connection(("127.0.0.1", uchet.port)) as s:
        s.sendall(b"\x00\x01\x02 GARBAGE /\r\n\r\n")
        s.settimeout(5)
        try:
            s.recv(1024)
        except OSError:
            pass
    assert httpx.get(uchet.base + "/healthz").status_code == 200


def test_security_headers_everywhere(uchet):
    for path in ("/healthz", "/api/v1/me", "/api/v1/regions", "/nope"):
        r = uchet.http.get(path)
        assert "default-src 'self'" in r.headers["content-security-policy"]
        assert r.headers["x-content-type-options"] == "nosniff"
        assert r.headers["referrer-policy"] == "no-referrer"
        assert r.headers["x-frame-options"] == "DENY"
