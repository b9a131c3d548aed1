"""Self-tests of tests/api/fakepush.py, and the proof that what uchet's C code
(src/notify/ece.c, vapid.c, via tests/tools/webpush_encrypt) sends is what an
independent implementation of RFC 8291/8292 accepts and decrypts.

The C tool is found through $WEBPUSH_ENCRYPT (meson's 'notify_fakepush' test
sets it) or in build/src/notify/; without it the C-side tests are skipped.
"""

import json
import os
import pathlib
import subprocess
import sys
import time
import urllib.request
from urllib.error import HTTPError

import pytest

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))
import fakepush  # noqa: E402
from fakepush import FakePush, b64u_decode, b64u_encode  # noqa: E402

ROOT = pathlib.Path(__file__).resolve().parents[2]

# make check runs this module in the unit suite (meson's notify_fakepush test,
# which sets WEBPUSH_ENCRYPT); the API suites, which have no uchetd or
# database business here, leave it to that run.
pytestmark = pytest.mark.skipif("UCHET_TEST_BACKEND" in os.environ and "WEBPUSH_ENCRYPT" not in os.environ,
                                reason="runs in the unit suite (meson test notify_fakepush)")

# RFC 8291 §5 / Appendix A.
RFC_PLAIN = b"When I grow up, I want to be a watermelon"
RFC_AS_PRIVATE = "yfWPiYE-n46HLnH0KqZOF1fJJU3MYrct3AELtAQ-oRw"
RFC_UA_PRIVATE = "q1dXpw3UpT5VOmu_cf_v6ih07Aems3njxI-JWgLcM94"
RFC_UA_PUBLIC = ("BCVxsr7N_eNgVRqvHtD0zTZsEc6-VV-JvLexhqUzORcxaOzi6-AYWXvTBHm4bjyPjs7Vd8pZGH6SRp"
                 "kNtoIAiw4")
RFC_AUTH = "BTBZMqHH6r4Tts7J_aSIgg"
RFC_SALT = "DGv6ra1nlYgDCS1FRnbzlw"
RFC_BODY = ("DGv6ra1nlYgDCS1FRnbzlwAAEABBBP4z9KsN6nGRTbVYI_c7VJSPQTBtkgcy27mlmlMoZIIgDll6e3vCYL"
            "ocInmYWAmS6TlzAC8wEqKK6PBru3jl7A_yl95bQpu6cVPTpK4Mqgkf1CXztLVBSt2Ks3oZwbuwXPXLWyou"
            "BWLVWGNWQexSgSxsj_Qulcy4a-fN")
# RFC 8292 §2.4.
RFC_JWT = ("eyJ0eXAiOiJKV1QiLCJhbGciOiJFUzI1NiJ9.eyJhdWQiOiJodHRwczovL3B1c2guZXhhbXBsZS5uZXQiLCJ"
           "leHAiOjE0NTM1MjM3NjgsInN1YiI6Im1haWx0bzpwdXNoQGV4YW1wbGUuY29tIn0.i3CYb7t4xfxCDquptFO"
           "epC9GAu_HLGkMlMuCGSK2rpiUfnK9ojFwDXb1JrErtmysazNjjvW2L9OkSSHzvoD1oA")
RFC_K = "BA1Hxzyi1RUM1b5wjxsn7nGxAszw2u61m164i3MrAIxHF6YK5h4SDYic-dRuU_RCPCfA5aq9ojSwk5Y2EmClBPs"
RFC_EXP = 1453523768


def find_tool():
    env = os.environ.get("WEBPUSH_ENCRYPT")
    if env:
        return env
    if os.environ.get("UCHET_BUILD"):
        # Under make check the tool must be there: a missing one fails, it
        # does not skip the C-encrypts / Python-decrypts tests.
        return str(ROOT / os.environ["UCHET_BUILD"] / "src" / "notify" / "webpush_encrypt")
    for d in ("build", "builddir", "_build"):
        p = ROOT / d / "src" / "notify" / "webpush_encrypt"
        if p.is_file():
            return str(p)
    return None


TOOL = find_tool()
needs_tool = pytest.mark.skipif(TOOL is None, reason="webpush_encrypt not built (set WEBPUSH_ENCRYPT)")


def c_encrypt(subscription, plaintext, endpoint=None, **opts):
    """Runs the C tool; returns {"body": bytes, "authorization": str, ...}."""
    keys = subscription["keys"]
    args = [TOOL, "--p256dh", keys["p256dh"], "--auth", keys["auth"]]
    if endpoint:
        args += ["--endpoint", endpoint]
    for k, v in opts.items():
        args += ["--" + k.replace("_", "-"), str(v)]
    out = subprocess.run(args, input=plaintext, capture_output=True, timeout=30, check=True)
    fields = dict(line.split("=", 1) for line in out.stdout.decode().splitlines())
    fields["body"] = b64u_decode(fields["body"])
    return fields


def http(method, url, body=None, headers=None):
    req = urllib.request.Request(url, data=body, method=method, headers=headers or {})
    try:
        with urllib.request.urlopen(req, timeout=10) as r:
            return r.status, r.read()
    except HTTPError as e:
        return e.code, e.read()


def push(url, body, authorization=None, ttl="60", encoding="aes128gcm", extra=None):
    headers = {"Content-Type": "application/octet-stream"}
    if authorization is not None:
        headers["Authorization"] = authorization
    if ttl is not None:
        headers["TTL"] = ttl
    if encoding is not None:
        headers["Content-Encoding"] = encoding
    headers.update(extra or {})
    return http("POST", url, body, headers)[0]


def received(svc, sid):
    status, raw = http("GET", f"{svc.origin}/received/{sid}")
    assert status == 200
    return json.loads(raw)


@pytest.fixture
def svc():
    with FakePush() as s:
        yield s


@pytest.fixture
def sub(svc):
    status, raw = http("POST", f"{svc.origin}/subscribe", b"")
    assert status == 201
    return json.loads(raw)


# ---------------------------------------------------------------- the fake itself

def test_python_encrypt_reproduces_rfc8291_example():
    body = fakepush.encrypt(RFC_PLAIN, b64u_decode(RFC_UA_PUBLIC), b64u_decode(RFC_AUTH),
                            as_private=b64u_decode(RFC_AS_PRIVATE), salt=b64u_decode(RFC_SALT))
    assert b64u_encode(body) == RFC_BODY


def test_python_decrypts_rfc8291_example():
    key = fakepush.private_from_bytes(b64u_decode(RFC_UA_PRIVATE))
    assert fakepush.decrypt(b64u_decode(RFC_BODY), key, b64u_decode(RFC_AUTH)) == RFC_PLAIN
    with pytest.raises(ValueError):
        fakepush.decrypt(b64u_decode(RFC_BODY)[:-1] + b"\x00", key, b64u_decode(RFC_AUTH))


def test_python_verifies_rfc8292_example():
    header = f"vapid t={RFC_JWT}, k={RFC_K}"
    assert fakepush.verify_vapid(header, "https://push.example.net", now=RFC_EXP - 60) == RFC_K
    with pytest.raises(fakepush.VapidError, match="expired"):
        fakepush.verify_vapid(header, "https://push.example.net", now=RFC_EXP)
    with pytest.raises(fakepush.VapidError, match="aud"):
        fakepush.verify_vapid(header, "https://other.example", now=RFC_EXP - 60)
    with pytest.raises(fakepush.VapidError, match="24 hours"):
        fakepush.verify_vapid(header, "https://push.example.net", now=RFC_EXP - 86401)


def test_rfc_body_over_http_with_known_subscription(svc):
    """A subscription created with the RFC's keys accepts the RFC's body."""
    req = json.dumps({"private": RFC_UA_PRIVATE, "auth": RFC_AUTH}).encode()
    status, raw = http("POST", f"{svc.origin}/subscribe", req)
    sub = json.loads(raw)
    assert status == 201 and sub["keys"]["p256dh"] == RFC_UA_PUBLIC
    # Without a valid VAPID header the body is never looked at.
    assert push(sub["endpoint"], b64u_decode(RFC_BODY)) == 401
    assert received(svc, sub["id"]) == []


def test_unknown_subscription_is_404(svc):
    assert push(f"{svc.origin}/push/nosuchid", b"x" * 100, authorization="vapid t=a, k=b") == 404


# ---------------------------------------------------------------- C encrypts, Python decrypts

@needs_tool
def test_c_encrypts_python_decrypts_over_http(svc, sub):
    text = "Срок регистрации истекает 2025-03-01 / Registration ends 2025-03-01"
    out = c_encrypt(sub, text.encode(), sub["endpoint"], sub="mailto:ops@uchet.example")
    assert out["authorization"].startswith("vapid t=")
    assert out["authorization"].endswith(", k=" + out["vapid_public"])
    status = push(sub["endpoint"], out["body"], out["authorization"], ttl="3600",
                  extra={"Urgency": "high", "Topic": "regime"})
    assert status == 201
    got = received(svc, sub["id"])
    assert len(got) == 1
    assert got[0]["payload"] == text
    assert (got[0]["ttl"], got[0]["urgency"], got[0]["topic"]) == (3600, "high", "regime")
    assert got[0]["vapid_key"] == out["vapid_public"]


@needs_tool
@pytest.mark.parametrize("size", [0, 1, 16, 1000, 3993])
def test_c_bodies_of_every_size_decrypt(svc, sub, size):
    plain = bytes((i * 7 + 3) % 256 for i in range(size))
    out = c_encrypt(sub, plain, sub["endpoint"])
    assert len(out["body"]) == 86 + size + 17
    assert push(sub["endpoint"], out["body"], out["authorization"]) == 201
    assert b64u_decode(received(svc, sub["id"])[0]["payload_b64"]) == plain


@needs_tool
def test_c_refuses_payload_over_limit(sub):
    with pytest.raises(subprocess.CalledProcessError):
        c_encrypt(sub, b"x" * 3994)


@needs_tool
def test_tampered_body_is_400(svc, sub):
    out = c_encrypt(sub, b"hello", sub["endpoint"])
    body = bytearray(out["body"])
    body[-1] ^= 1
    assert push(sub["endpoint"], bytes(body), out["authorization"]) == 400
    assert received(svc, sub["id"]) == []


@needs_tool
def test_body_for_another_subscription_is_400(svc, sub):
    _, raw = http("POST", f"{svc.origin}/subscribe", b"")
    other = json.loads(raw)
    out = c_encrypt(other, b"hello", sub["endpoint"])
    assert push(sub["endpoint"], out["body"], out["authorization"]) == 400


# ---------------------------------------------------------------- VAPID checks on C tokens

@needs_tool
def test_wrong_audience_is_403(svc, sub):
    out = c_encrypt(sub, b"hi", "https://fcm.googleapis.com/fcm/send/x")
    assert push(sub["endpoint"], out["body"], out["authorization"]) == 403
    assert fakepush_reason(svc, sub).startswith("aud ")


@needs_tool
def test_expired_token_is_403(svc, sub):
    out = c_encrypt(sub, b"hi", sub["endpoint"], now=int(time.time()) - 3600, ttl=60)
    assert push(sub["endpoint"], out["body"], out["authorization"]) == 403
    assert fakepush_reason(svc, sub) == "token expired"


@needs_tool
def test_exp_beyond_24h_is_403(svc, sub):
    # Signed "in the future" with the longest TTL C allows: exp = now + 25 h.
    out = c_encrypt(sub, b"hi", sub["endpoint"], now=int(time.time()) + 3600, ttl=86400)
    assert push(sub["endpoint"], out["body"], out["authorization"]) == 403
    assert fakepush_reason(svc, sub) == "exp more than 24 hours ahead"


@needs_tool
def test_c_refuses_ttl_over_24h(sub, svc):
    with pytest.raises(subprocess.CalledProcessError):
        c_encrypt(sub, b"hi", sub["endpoint"], ttl=86401)


@needs_tool
def test_signature_by_another_key_is_403(svc, sub):
    a = c_encrypt(sub, b"hi", sub["endpoint"])
    b = c_encrypt(sub, b"hi", sub["endpoint"])
    forged = a["authorization"].split(", k=")[0] + ", k=" + b["vapid_public"]
    assert push(sub["endpoint"], a["body"], forged) == 403
    assert fakepush_reason(svc, sub) == "signature does not verify"


@needs_tool
def test_missing_headers(svc, sub):
    out = c_encrypt(sub, b"hi", sub["endpoint"])
    assert push(sub["endpoint"], out["body"], None) == 401
    assert push(sub["endpoint"], out["body"], out["authorization"], ttl=None) == 400
    assert push(sub["endpoint"], out["body"], out["authorization"], encoding="aesgcm") == 415
    assert push(sub["endpoint"], b"x" * 4097, out["authorization"]) == 413
    assert received(svc, sub["id"]) == []


# ---------------------------------------------------------------- forced answers

@needs_tool
@pytest.mark.parametrize("status", [404, 410, 429, 500])
def test_forced_status(svc, sub, status):
    out = c_encrypt(sub, b"hi", sub["endpoint"])
    ctl = f"{svc.origin}/control/{sub['id']}"
    assert http("POST", ctl, json.dumps({"status": status}).encode())[0] == 204
    assert push(sub["endpoint"], out["body"], out["authorization"]) == status
    assert received(svc, sub["id"]) == []
    assert http("POST", ctl, json.dumps({"status": None}).encode())[0] == 204
    assert push(sub["endpoint"], out["body"], out["authorization"]) == 201
    _, raw = http("GET", f"{svc.origin}/attempts/{sub['id']}")
    assert [a["status"] for a in json.loads(raw)] == [status, 201]


def fakepush_reason(svc, sub):
    """The reason the fake gave for the last attempt on sub."""
    _, raw = http("GET", f"{svc.origin}/attempts/{sub['id']}")
    return json.loads(raw)[-1]["reason"]
