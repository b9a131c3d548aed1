#!/usr/bin/python3
"""A fake Web Push service (RFC 8030) for uchet's tests.

It does what a real push service does to a request, independently of the C
code: checks the VAPID Authorization header (RFC 8292: ES256 signature with
the k= key, aud = this service's origin, exp in the future and at most 24 h
ahead, sub mailto:/https:), then decrypts the aes128gcm body (RFC 8291/8188)
with the subscription's private key and auth secret, and records the
plaintext so that tests can read it back.

HTTP interface (loopback only):
  POST /subscribe            optional JSON {"private": b64url, "auth": b64url}
                             -> 201 {"id", "endpoint", "keys": {"p256dh", "auth"}}
  POST /push/<id>            a push message -> 201, or 400/401/403/404/410/413/415/5xx
  GET  /received/<id>        -> 200 [{"payload", "payload_b64", "ttl", "urgency",
                                      "topic", "vapid_key", "at"}]
  GET  /attempts/<id>        -> 200 [{"status", "reason"}] for every POST to /push/<id>
  POST /control/<id>         JSON {"status": 410|404|500|... or null}: answer every
                             later push to <id> with that status (null: back to normal)

Run standalone:  /usr/bin/python3 tests/api/fakepush.py [--port N]
(prints "fakepush listening on http://127.0.0.1:N"), or in-process with
FakePush().start() / .stop().  Uses the standard library and Debian's
python3-cryptography only.
"""

import argparse
import base64
import hashlib
import hmac
import json
import os
import re
import struct
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from cryptography.exceptions import InvalidSignature, InvalidTag
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

MAX_BODY = 4096          # RFC 8030 §7.2: services must accept at least this much
MAX_VAPID_TTL = 86400    # RFC 8292 §2: exp no more than 24 h ahead
URGENCIES = {"very-low", "low", "normal", "high"}  # RFC 8030 §5.3
_B64URL = re.compile(r"^[A-Za-z0-9_-]*$")


# --------------------------------------------------------------------------
# base64url and keys

def b64u_decode(text):
    """Strict unpadded base64url, as Web Push and JWS use it."""
    if not isinstance(text, str) or not _B64URL.match(text) or len(text) % 4 == 1:
        raise ValueError("not unpadded base64url")
    raw = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    if b64u_encode(raw) != text:
        raise ValueError("not canonical base64url")
    return raw


def b64u_encode(raw):
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")


def public_bytes(key):
    """65-byte uncompressed point of a P-256 key (private or public)."""
    pub = key.public_key() if hasattr(key, "public_key") else key
    return pub.public_bytes(serialization.Encoding.X962,
                            serialization.PublicFormat.UncompressedPoint)


def private_from_bytes(raw):
    return ec.derive_private_key(int.from_bytes(raw, "big"), ec.SECP256R1())


def private_bytes(key):
    return key.private_numbers().private_value.to_bytes(32, "big")


def public_from_bytes(raw):
    if len(raw) != 65 or raw[0] != 4:
        raise ValueError("not an uncompressed P-256 point")
    return ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), raw)


# --------------------------------------------------------------------------
# RFC 8291 / RFC 8188 aes128gcm

def _hmac(key, data):
    return hmac.new(key, data, hashlib.sha256).digest()


def key_schedule(ecdh_secret, auth, ua_public, as_public, salt):
    """Returns (cek, nonce) as RFC 8291 §3.3-3.4 and RFC 8188 §2.2-2.3 define."""
    prk_key = _hmac(auth, ecdh_secret)
    ikm = _hmac(prk_key, b"WebPush: info\x00" + ua_public + as_public + b"\x01")
    prk = _hmac(salt, ikm)
    cek = _hmac(prk, b"Content-Encoding: aes128gcm\x00\x01")[:16]
    nonce = _hmac(prk, b"Content-Encoding: nonce\x00\x01")[:12]
    return cek, nonce


def encrypt(plaintext, ua_public, auth, as_private=None, salt=None, rs=4096):
    """Encrypts one record as an application server would (used by the
    self-tests to check this module against RFC 8291's example)."""
    as_key = private_from_bytes(as_private) if as_private else ec.generate_private_key(ec.SECP256R1())
    salt = salt if salt is not None else os.urandom(16)
    as_public = public_bytes(as_key)
    secret = as_key.exchange(ec.ECDH(), public_from_bytes(ua_public))
    cek, nonce = key_schedule(secret, auth, ua_public, as_public, salt)
    ct = AESGCM(cek).encrypt(nonce, plaintext + b"\x02", None)
    return salt + struct.pack(">IB", rs, len(as_public)) + as_public + ct


def decrypt(body, ua_private, auth):
    """Decrypts a single-record aes128gcm body as a browser would.
    Raises ValueError with a short reason on any failure."""
    if len(body) < 21:
        raise ValueError("body shorter than the header")
    salt, (rs, idlen) = body[:16], struct.unpack(">IB", body[16:21])
    if rs < 18 or idlen != 65 or len(body) < 21 + idlen + 17:
        raise ValueError("bad aes128gcm header")
    as_public, record = body[21:21 + idlen], body[21 + idlen:]
    if len(record) > rs:
        raise ValueError("more than one record")
    ua_public = public_bytes(ua_private)
    secret = ua_private.exchange(ec.ECDH(), public_from_bytes(as_public))
    cek, nonce = key_schedule(secret, auth, ua_public, as_public, salt)
    try:
        padded = AESGCM(cek).decrypt(nonce, record, None)
    except InvalidTag:
        raise ValueError("authentication tag does not verify") from None
    data = padded.rstrip(b"\x00")
    if not data or data[-1] != 2:
        raise ValueError("bad padding delimiter")
    return data[:-1]


# --------------------------------------------------------------------------
# RFC 8292 VAPID

class VapidError(Exception):
    def __init__(self, status, reason):
        super().__init__(reason)
        self.status, self.reason = status, reason


def parse_vapid_header(value):
    """Splits 'vapid t=<jwt>, k=<key>' into (jwt, key); VapidError(401) if absent."""
    if not value:
        raise VapidError(401, "no Authorization header")
    scheme, _, rest = value.strip().partition(" ")
    if scheme.lower() != "vapid":
        raise VapidError(401, "Authorization scheme is not vapid")
    params = {}
    for part in rest.split(","):
        name, eq, val = part.strip().partition("=")
        if not eq:
            raise VapidError(403, "malformed vapid parameters")
        params[name.strip().lower()] = val.strip()
    if "t" not in params or "k" not in params:
        raise VapidError(403, "vapid header lacks t= or k=")
    return params["t"], params["k"]


def verify_vapid(value, audience, now=None):
    """Checks a VAPID Authorization value; returns the k= key (base64url).
    Raises VapidError(401 or 403, reason)."""
    now = time.time() if now is None else now
    token, key_b64 = parse_vapid_header(value)
    try:
        head_b64, claims_b64, sig_b64 = token.split(".")
        header = json.loads(b64u_decode(head_b64))
        claims = json.loads(b64u_decode(claims_b64))
        sig = b64u_decode(sig_b64)
        pub = public_from_bytes(b64u_decode(key_b64))
    except ValueError as e:  # json.JSONDecodeError is a ValueError too
        raise VapidError(403, f"malformed token: {e}") from None
    if not isinstance(header, dict) or header.get("alg") != "ES256":
        raise VapidError(403, "alg is not ES256")
    if len(sig) != 64:
        raise VapidError(403, "signature is not 64 bytes")
    der = encode_dss_signature(int.from_bytes(sig[:32], "big"), int.from_bytes(sig[32:], "big"))
    try:
        pub.verify(der, f"{head_b64}.{claims_b64}".encode("ascii"), ec.ECDSA(hashes.SHA256()))
    except InvalidSignature:
        raise VapidError(403, "signature does not verify") from None
    check_claims(claims, audience, now)
    return key_b64


def check_claims(claims, audience, now):
    if not isinstance(claims, dict):
        raise VapidError(403, "claims are not an object")
    if claims.get("aud") != audience:
        raise VapidError(403, f"aud {claims.get('aud')!r} is not {audience!r}")
    exp = claims.get("exp")
    if not isinstance(exp, int) or isinstance(exp, bool):
        raise VapidError(403, "exp is not an integer")
    if exp <= now:
        raise VapidError(403, "token expired")
    if exp > now + MAX_VAPID_TTL:
        raise VapidError(403, "exp more than 24 hours ahead")
    sub = claims.get("sub")
    if not isinstance(sub, str) or not (sub.startswith("mailto:") or sub.startswith("https:")):
        raise VapidError(403, "sub is not mailto: or https:")


# --------------------------------------------------------------------------
# the service

class Subscription:
    def __init__(self, sid, private=None, auth=None):
        self.id = sid
        self.private = private_from_bytes(private) if private else ec.generate_private_key(ec.SECP256R1())
        self.auth = auth if auth is not None else os.urandom(16)
        self.forced_status = None
        self.received = []
        self.attempts = []


class _Handler(BaseHTTPRequestHandler):
    server_version = "fakepush/1"

    def log_message(self, fmt, *args):  # quiet: tests read state, not logs
        pass

    def _reply(self, status, obj=None, headers=None):
        body = b"" if obj is None else json.dumps(obj).encode("utf-8")
        self.send_response(status)
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        if obj is not None:
            self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def _body(self, limit):
        try:
            n = int(self.headers.get("Content-Length", "0"))
        except ValueError:
            n = -1
        if n < 0 or n > limit:
            return None
        return self.rfile.read(n)

    def _route(self):
        m = re.fullmatch(r"/(push|received|attempts|control)/([A-Za-z0-9_-]{1,64})", self.path)
        return (m.group(1), m.group(2)) if m else (self.path, None)

    def do_GET(self):
        svc, (what, sid) = self.server.fake, self._route()
        sub = svc.get(sid) if sid else None
        if what in ("received", "attempts") and sub:
            with svc.lock:
                data = list(sub.received if what == "received" else sub.attempts)
            return self._reply(200, data)
        self._reply(404, {"error": "not found"})

    def do_POST(self):
        svc, (what, sid) = self.server.fake, self._route()
        if what == "/subscribe":
            return self._subscribe(svc)
        sub = svc.get(sid) if sid else None
        if what == "control" and sub:
            return self._control(svc, sub)
        if what == "push":
            return self._push(svc, sid, sub)
        self._reply(404, {"error": "not found"})

    def _subscribe(self, svc):
        raw = self._body(4096)
        try:
            req = json.loads(raw) if raw else {}
            private = b64u_decode(req["private"]) if "private" in req else None
            auth = b64u_decode(req["auth"]) if "auth" in req else None
        except (ValueError, TypeError, KeyError):
            return self._reply(400, {"error": "bad subscribe request"})
        self._reply(201, svc.subscribe(private, auth))

    def _control(self, svc, sub):
        try:
            status = json.loads(self._body(1024) or b"{}").get("status")
        except (ValueError, AttributeError):
            status = "bad"
        if status is not None and not (isinstance(status, int) and 200 <= status <= 599):
            return self._reply(400, {"error": "status must be an HTTP status or null"})
        with svc.lock:
            sub.forced_status = status
        self._reply(204)

    def _push(self, svc, sid, sub):
        status, reason = self._check_push(svc, sub)
        if sub:
            with svc.lock:
                sub.attempts.append({"status": status, "reason": reason})
        if status == 201:
            return self._reply(201, None, {"Location": f"{svc.origin}/message/{sid}/{len(sub.received)}"})
        self._reply(status, {"error": reason})

    def _check_push(self, svc, sub):
        """Returns (status, reason), recording the message when it is 201."""
        if sub is None:
            return 404, "no such subscription"
        body = self._body(MAX_BODY)
        if body is None:
            self.close_connection = True  # the unread body would poison keep-alive
            return 413, "payload too large"
        with svc.lock:
            forced = sub.forced_status
        if forced is not None:
            return forced, "forced by test"
        try:
            meta = self._push_headers()
            meta["vapid_key"] = verify_vapid(self.headers.get("Authorization"), svc.origin)
        except VapidError as e:
            return e.status, e.reason
        except ValueError as e:
            return (415 if "Encoding" in str(e) else 400), str(e)
        try:
            plain = decrypt(body, sub.private, sub.auth)
        except ValueError as e:
            return 400, f"cannot decrypt: {e}"
        meta.update(payload=plain.decode("utf-8", "replace"), payload_b64=b64u_encode(plain),
                    at=time.time())
        with svc.lock:
            sub.received.append(meta)
        return 201, "created"

    def _push_headers(self):
        """RFC 8030 §5.2-5.4 headers; ValueError on a bad one."""
        ttl = self.headers.get("TTL")
        if ttl is None or not ttl.isdigit():
            raise ValueError("TTL header missing or not a number")
        if (self.headers.get("Content-Encoding") or "").lower() != "aes128gcm":
            raise ValueError("Content-Encoding is not aes128gcm")
        urgency = self.headers.get("Urgency")
        if urgency is not None and urgency not in URGENCIES:
            raise ValueError("bad Urgency")
        topic = self.headers.get("Topic")
        if topic is not None and (len(topic) > 32 or not _B64URL.match(topic)):
            raise ValueError("bad Topic")
        return {"ttl": int(ttl), "urgency": urgency, "topic": topic}


class FakePush:
    """The service; start() binds to a loopback port (0 = any free one)."""

    def __init__(self, host="127.0.0.1", port=0):
        if host != "localhost" and not host.startswith("127."):
            raise ValueError("fakepush listens on loopback only")
        self.host, self.port = host, port
        self.lock = threading.Lock()
        self.subs = {}
        self._server = None
        self._thread = None

    @property
    def origin(self):
        return f"http://{self.host}:{self.port}"

    def start(self):
        self._server = ThreadingHTTPServer((self.host, self.port), _Handler)
        self._server.daemon_threads = True
        self._server.fake = self
        self.port = self._server.server_address[1]
        # A short poll interval keeps stop() (and so each test) fast.
        self._thread = threading.Thread(target=self._server.serve_forever, args=(0.05,),
                                        daemon=True)
        self._thread.start()
        return self

    def stop(self):
        if self._server:
            self._server.shutdown()
            self._server.server_close()
            self._thread.join(timeout=5)
            self._server = None

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()

    def get(self, sid):
        with self.lock:
            return self.subs.get(sid)

    def subscribe(self, private=None, auth=None):
        """Creates a subscription; returns it as a browser's PushSubscription JSON plus id."""
        sid = b64u_encode(os.urandom(12))
        sub = Subscription(sid, private, auth)
        with self.lock:
            self.subs[sid] = sub
        return {"id": sid, "endpoint": f"{self.origin}/push/{sid}",
                "keys": {"p256dh": b64u_encode(public_bytes(sub.private)),
                         "auth": b64u_encode(sub.auth)}}

    def received(self, sid):
        with self.lock:
            return list(self.subs[sid].received)

    def attempts(self, sid):
        with self.lock:
            return list(self.subs[sid].attempts)

    def set_status(self, sid, status):
        with self.lock:
            self.subs[sid].forced_status = status


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--port", type=int, default=0)
    args = ap.parse_args()
    svc = FakePush(args.host, args.port).start()
    print(f"fakepush listening on {svc.origin}", flush=True)
    try:
        svc._thread.join()
    except KeyboardInterrupt:
        pass
    finally:
        svc.stop()


if __name__ == "__main__":
    main()
