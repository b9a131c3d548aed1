"""Passkeys (WebAuthn, issue 17) against a real uchetd, with a software
authenticator written here on `cryptography` (python3-cryptography): it
builds clientDataJSON, authenticatorData and the attestation object as
WebAuthn Level 2 §6.1, §6.5 and §5.8.1 lay them out, and signs with its own
P-256 or Ed25519 key. Each refusal test changes the one thing an attacker
or a broken authenticator would change.
"""
import base64
import hashlib
import json
import os
import struct

import pytest
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519

ORIGIN = "https://uchet.example"
RP_ID = "uchet.example"


def b64u(b):
    return base64.urlsafe_b64encode(b).rstrip(b"=").decode()


def unb64u(s):
    return base64.urlsafe_b64decode(s + "=" * (-len(s) % 4))


# --- a minimal CBOR encoder: what an authenticator sends (definite lengths) ---
def _head(major, n):
    if n < 24:
        return bytes([major << 5 | n])
    for ai, fmt in ((24, ">B"), (25, ">H"), (26, ">I"), (27, ">Q")):
        if n < 1 << (8 * struct.calcsize(fmt)):
            return bytes([major << 5 | ai]) + struct.pack(fmt, n)
    raise ValueError(n)


def cbor(v):
    if isinstance(v, bool):
        return b"\xf5" if v else b"\xf4"
    if isinstance(v, int):
        return _head(0, v) if v >= 0 else _head(1, -1 - v)
    if isinstance(v, bytes):
        return _head(2, len(v)) + v
    if isinstance(v, str):
        e = v.encode()
        return _head(3, len(e)) + e
    if isinstance(v, list):
        return _head(4, len(v)) + b"".join(cbor(x) for x in v)
    if isinstance(v, dict):
        return _head(5, len(v)) + b"".join(cbor(k) + cbor(x) for k, x in v.items())
    raise TypeError(v)


class Authenticator:
    """One credential on a software authenticator with a signature counter."""

    def __init__(self, kind="es256", rp_id=RP_ID, origin=ORIGIN):
        self.kind = kind
        self.rp_id = rp_id
        self.origin = origin
        self.cred_id = os.urandom(32)
        self.count = 0
        if kind == "es256":
            self.key = ec.generate_private_key(ec.SECP256R1())
            n = self.key.public_key().public_numbers()
            self.cose = cbor({1: 2, 3: -7, -1: 1, -2: n.x.to_bytes(32, "big"), -3: n.y.to_bytes(32, "big")})
        else:
            self.key = ed25519.Ed25519PrivateKey.generate()
            raw = self.key.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
            self.cose = cbor({1: 1, 3: -8, -1: 6, -2: raw})

    def sign(self, data):
        if self.kind == "es256":
            return self.key.sign(data, ec.ECDSA(hashes.SHA256()))
        return self.key.sign(data)

    def client_data(self, typ, challenge_b64, origin=None):
        return json.dumps({"type": typ, "challenge": challenge_b64, "origin": origin or self.origin,
                           "crossOrigin": False}, separators=(",", ":")).encode()

    def auth_data(self, flags, attested=False):
        ad = hashlib.sha256(self.rp_id.encode()).digest() + bytes([flags]) + struct.pack(">I", self.count)
        if attested:
            ad += bytes(16) + struct.pack(">H", len(self.cred_id)) + self.cred_id + self.cose
        return ad

    def create(self, options, fmt="none", origin=None, flags=0x45):
        """navigator.credentials.create(): the body for POST /api/v1/me/passkeys."""
        cd = self.client_data("webauthn.create", options["public_key"]["challenge"], origin)
        ad = self.auth_data(flags, attested=True)
        stmt = {}
        if fmt == "packed":
            stmt = {"alg": -7 if self.kind == "es256" else -8,
                    "sig": self.sign(ad + hashlib.sha256(cd).digest())}
        att = cbor({"fmt": fmt, "attStmt": stmt, "authData": ad})
        return {"client_data_json": b64u(cd), "attestation_object": b64u(att)}

    def get(self, challenge_b64, origin=None, flags=0x05, step=1):
        """navigator.credentials.get(): the body for POST /api/v1/session/passkey."""
        self.count += step
        cd = self.client_data("webauthn.get", challenge_b64, origin)
        ad = self.auth_data(flags)
        sig = self.sign(ad + hashlib.sha256(cd).digest())
        return {"credential_id": b64u(self.cred_id), "client_data_json": b64u(cd),
                "authenticator_data": b64u(ad), "signature": b64u(sig), "user_handle": None}


# One uchetd with passkeys on for the tests that keep the start clock and
# look only at their own person's passkeys, sessions and events (each makes
# its own person and authenticators): an ASan start per test was most of
# their time. Their failed log-ins stay well under the per-address limit.
# The test of a challenge's expiry moves the clock and has a server of its
# own (pk_alone). Marked xdist_group: one worker runs the module (see
# conftest's pytest_configure).
pytestmark = pytest.mark.xdist_group("passkey")


@pytest.fixture(scope="module")
def pk(module_uchet_factory):
    return module_uchet_factory(extra_args=("--public-origin", ORIGIN)).start()


@pytest.fixture
def pk_alone(uchet_factory):
    return uchet_factory(extra_args=("--public-origin", ORIGIN)).start()


def person_id(u, token):
    return u.me(token)["person"]["id"]


def register(u, token, a, **kw):
    r = u.http.post("/api/v1/me/passkeys/options", headers=u.auth(token))
    assert r.status_code == 200, r.text
    opts = r.json()
    assert opts["public_key"]["rp"]["id"] == RP_ID
    assert opts["public_key"]["authenticatorSelection"]["userVerification"] == "required"
    return u.http.post("/api/v1/me/passkeys", headers=u.auth(token), json=a.create(opts, **kw))


def login_challenge(u):
    r = u.http.post("/api/v1/session/passkey/options")
    assert r.status_code == 200, r.text
    assert r.json()["public_key"]["rpId"] == RP_ID
    return r.json()["public_key"]["challenge"]


def passkey_login(u, a, challenge=None, **kw):
    return u.http.post("/api/v1/session/passkey", json=a.get(challenge or login_challenge(u), **kw))


def test_register_then_log_in_without_a_password(pk):
    _, token = pk.new_user()
    a = Authenticator()
    r = register(pk, token, a)
    assert r.status_code == 201, r.text
    listed = pk.http.get("/api/v1/me/passkeys", headers=pk.auth(token)).json()["passkeys"]
    assert [p["id"] for p in listed] == [r.json()["id"]] and listed[0]["last_used_at"] is None
    r = passkey_login(pk, a)
    assert r.status_code == 201, r.text
    new_token = r.json()["token"]
    assert new_token != token
    assert pk.me(new_token)   # the session works like a password one
    assert pk.http.get("/api/v1/me/passkeys", headers=pk.auth(new_token)).json()["passkeys"][0]["last_used_at"]
    # the stored counter is the authenticator's
    assert pk.db.scalar(f"SELECT sign_count FROM passkeys WHERE person_id = {person_id(pk, token)}") == 1


@pytest.mark.parametrize("kind,fmt", [("es256", "packed"), ("eddsa", "none")])
def test_packed_self_attestation_and_ed25519(pk, kind, fmt):
    _, token = pk.new_user()
    a = Authenticator(kind)
    assert register(pk, token, a, fmt=fmt).status_code == 201
    assert passkey_login(pk, a).status_code == 201


def test_replayed_assertion_is_refused(pk):
    _, token = pk.new_user()
    a = Authenticator()
    assert register(pk, token, a).status_code == 201
    body = a.get(login_challenge(pk))
    assert pk.http.post("/api/v1/session/passkey", json=body).status_code == 201
    r = pk.http.post("/api/v1/session/passkey", json=body)
    assert r.status_code == 400 and r.json()["code"] == "passkey_challenge_invalid"


def test_replayed_registration_challenge_is_refused(pk):
    _, token = pk.new_user()
    a = Authenticator()
    r = pk.http.post("/api/v1/me/passkeys/options", headers=pk.auth(token))
    opts = r.json()
    assert pk.http.post("/api/v1/me/passkeys", headers=pk.auth(token), json=a.create(opts)).status_code == 201
    b = Authenticator()
    r = pk.http.post("/api/v1/me/passkeys", headers=pk.auth(token), json=b.create(opts))
    assert r.status_code == 400 and r.json()["code"] == "passkey_challenge_invalid"


def test_wrong_origin_is_refused(pk):
    _, token = pk.new_user()
    a = Authenticator()
    r = register(pk, token, a, origin="https://uchet.example.evil")
    assert r.status_code == 400 and r.json()["code"] == "webauthn_origin"
    assert pk.db.scalar(f"SELECT COUNT(*) FROM passkeys WHERE person_id = {person_id(pk, token)}") == 0
    assert register(pk, token, a).status_code == 201
    r = passkey_login(pk, a, origin="https://evil.example")
    assert r.status_code == 400 and r.json()["code"] == "webauthn_origin"


def test_passkey_of_another_site_is_refused(pk):
    _, token = pk.new_user()
    a = Authenticator(rp_id="evil.example")
    r = register(pk, token, a)
    assert r.status_code == 400 and r.json()["code"] == "webauthn_rp"


def test_wrong_challenge_is_refused(pk):
    _, token = pk.new_user()
    a = Authenticator()
    assert register(pk, token, a).status_code == 201
    r = passkey_login(pk, a, challenge=b64u(os.urandom(32)))   # never issued
    assert r.status_code == 400 and r.json()["code"] == "passkey_challenge_invalid"
    # a registration challenge does not open a session
    reg = pk.http.post("/api/v1/me/passkeys/options", headers=pk.auth(token)).json()
    r = passkey_login(pk, a, challenge=reg["public_key"]["challenge"])
    assert r.status_code == 400 and r.json()["code"] == "passkey_challenge_invalid"


def test_expired_challenge_is_refused(pk_alone):
    pk = pk_alone
    _, token = pk.new_user()
    a = Authenticator()
    assert register(pk, token, a).status_code == 201
    ch = login_challenge(pk)
    pk.set_clock("2025-10-31T10:06:00+03:00")   # 6 minutes later; challenges live 5
    r = passkey_login(pk, a, challenge=ch)
    assert r.status_code == 400 and r.json()["code"] == "passkey_challenge_invalid"


def test_counter_going_backwards_is_refused(pk):
    _, token = pk.new_user()
    a = Authenticator()
    assert register(pk, token, a).status_code == 201
    a.count = 10
    assert passkey_login(pk, a).status_code == 201
    a.count = 3   # a copy of the key that signed fewer times
    r = passkey_login(pk, a)
    assert r.status_code == 401 and r.json()["code"] == "webauthn_counter"
    assert pk.db.scalar(f"SELECT sign_count FROM passkeys WHERE person_id = {person_id(pk, token)}") == 11


def test_unknown_credential_and_forged_signature(pk):
    _, token = pk.new_user()
    a = Authenticator()
    assert register(pk, token, a).status_code == 201
    r = passkey_login(pk, Authenticator())
    assert r.status_code == 401 and r.json()["code"] == "passkey_unknown"
    forger = Authenticator()
    forger.cred_id = a.cred_id   # knows the id (it is not secret), not the key
    r = passkey_login(pk, forger)
    assert r.status_code == 401 and r.json()["code"] == "webauthn_signature"


def test_user_verification_is_required(pk):
    _, token = pk.new_user()
    a = Authenticator()
    r = register(pk, token, a, flags=0x41)   # present but not verified
    assert r.status_code == 400 and r.json()["code"] == "webauthn_user_verification"
    assert register(pk, token, a).status_code == 201
    r = passkey_login(pk, a, flags=0x01)
    assert r.status_code == 400 and r.json()["code"] == "webauthn_user_verification"


def test_failed_passkey_log_ins_count_like_passwords(pk):
    number, token = pk.new_user()
    a = Authenticator()
    assert register(pk, token, a).status_code == 201
    forger = Authenticator()
    forger.cred_id = a.cred_id
    codes = [passkey_login(pk, forger).status_code for _ in range(5)]
    assert codes == [401] * 5
    # the person's account is now locked from this address, passkey and password alike
    assert passkey_login(pk, a).status_code == 429
    r = pk.http.post("/api/v1/session", json={"document_kind": "card", "document_number": number,
                                              "password": "correct horse battery"})
    assert r.status_code == 429


def test_list_and_delete_are_the_owners(pk):
    _, token = pk.new_user()
    _, other = pk.new_user()
    a = Authenticator()
    pid = register(pk, token, a).json()["id"]
    assert pk.http.get("/api/v1/me/passkeys", headers=pk.auth(other)).json()["passkeys"] == []
    r = pk.http.delete(f"/api/v1/me/passkeys/{pid}", headers=pk.auth(other))
    assert r.status_code == 404 and r.json()["code"] == "passkey_not_found"
    assert pk.http.delete(f"/api/v1/me/passkeys/{pid}", headers=pk.auth(token)).status_code == 204
    r = passkey_login(pk, a)
    assert r.status_code == 401 and r.json()["code"] == "passkey_unknown"
    assert register(pk, token, a).status_code == 201   # the same key may come back
    r = register(pk, token, a)
    assert r.status_code == 409 and r.json()["code"] == "passkey_exists"


def test_strict_bodies(pk):
    _, token = pk.new_user()
    r = pk.http.post("/api/v1/session/passkey", json={"credential_id": "AA", "client_data_json": "AA",
                                                      "authenticator_data": "AA", "signature": "AA", "x": 1})
    assert r.status_code == 400
    r = pk.http.post("/api/v1/session/passkey", json={"credential_id": "A", "client_data_json": "AA",
                                                      "authenticator_data": "AA", "signature": "AA"})
    assert r.status_code == 400 and r.json()["code"] == "webauthn_malformed"
    r = pk.http.post("/api/v1/session/passkey", json={"credential_id": "AA", "client_data_json": "AA",
                                                      "authenticator_data": "AA", "signature": "AA",
                                                      "user_handle": 7})
    assert r.status_code == 400 and r.json()["code"] == "invalid_type"
    r = pk.http.post("/api/v1/me/passkeys", headers=pk.auth(token),
                     json={"client_data_json": "e30", "attestation_object": "oA"})
    assert r.status_code == 400 and r.json()["code"] == "webauthn_malformed"


def test_off_without_public_origin(uchet):
    r = uchet.http.post("/api/v1/session/passkey/options")
    assert r.status_code == 404 and r.json()["code"] == "passkeys_disabled"


def test_no_key_material_in_logs(pk):
    _, token = pk.new_user()
    a = Authenticator()
    assert register(pk, token, a).status_code == 201
    passkey_login(pk, Authenticator())
    logs = pk.logs()
    assert b64u(a.cred_id).encode() not in logs and a.cred_id.hex().encode() not in logs


@pytest.mark.parametrize("origin", ["http://uchet.example", "https://uchet.example/", "https://uchet.example/app",
                                    "https://UCHET.example", "ftp://uchet.example", "https://:443", "http://10.0.0.1"])
def test_public_origin_must_be_a_secure_origin(origin):
    import subprocess
    from conftest import UCHETD
    r = subprocess.run([UCHETD, "--public-origin", origin, "--help"], capture_output=True, text=True)
    assert r.returncode != 0 and "public_origin" in r.stderr, (origin, r.stderr)


def test_public_origin_help():
    import subprocess
    from conftest import UCHETD
    assert "--public-origin" in subprocess.run([UCHETD, "--help"], capture_output=True, text=True).stdout


# --- a re-issued activation code ends the passkeys too (issue 17) -------------
# A lost or stolen phone is the usual reason to come to the desk: its passkey
# must not keep opening the record after the registrar re-issues the code.

@pytest.mark.parametrize("via", ["desk", "uchetctl"])
def test_a_reissued_code_removes_the_persons_passkeys(pk, via):
    from conftest import officer
    number, token = pk.new_user()
    _, other_token = pk.new_user()
    lost, spare, others = Authenticator(), Authenticator("eddsa"), Authenticator()
    assert register(pk, token, lost).status_code == 201
    assert register(pk, token, spare).status_code == 201
    assert register(pk, other_token, others).status_code == 201
    r = passkey_login(pk, lost)
    assert r.status_code == 201, r.text
    by_passkey = r.json()["token"]
    reason = "phone lost, card checked at the desk"
    if via == "desk":
        r = pk.http.post("/api/v1/desk/activation-codes", headers=officer(pk, "registrar"),
                         json={"document_kind": "card", "document_number": number, "reason": reason})
        assert r.status_code == 201, r.text
        assert r.json()["passkeys_removed"] == 2 and r.json()["sessions_ended"] == 2
        code = r.json()["activation_code"]
    else:
        out = pk.ctl("person", "reissue-code", "--document-kind", "card", "--document-number", number,
                     "--reason", reason).stdout
        assert "2 passkey(s) removed" in out
        code = out.strip().splitlines()[-1]
    # the lost phone's passkey opens nothing, and the session it opened is over
    r = passkey_login(pk, lost)
    assert r.status_code == 401 and r.json()["code"] == "passkey_unknown"
    r = passkey_login(pk, spare)
    assert r.status_code == 401 and r.json()["code"] == "passkey_unknown"
    assert pk.http.get("/api/v1/me", headers=pk.auth(by_passkey)).status_code == 401
    # another person's passkey is untouched
    assert passkey_login(pk, others).status_code == 201
    # the person starts again with the code and may add a passkey afresh
    new_token = pk.activate(code, password="purple lantern over meadow")
    assert pk.http.get("/api/v1/me/passkeys", headers=pk.auth(new_token)).json()["passkeys"] == []
    fresh = Authenticator()
    assert register(pk, new_token, fresh).status_code == 201
    assert passkey_login(pk, fresh).status_code == 201
    detail = pk.db.query("SELECT detail FROM audit WHERE action = 'person.activation_reissued'"
                         f" AND subject = 'person:{person_id(pk, new_token)}'")
    assert len(detail) == 1 and json.loads(detail[0][0])["passkeys_removed"] == 2
