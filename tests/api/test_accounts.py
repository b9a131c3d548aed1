"""Accounts: activation, log-in by card or passport, log-out, expiry, rate limits."""
import re
import time

import pytest

from conftest import UCHETCTL

# One uchetd for the tests that look only at their own person (each makes its
# own, by its own document number; the counts they read are a before and
# after around their own step, nothing else runs on the server meanwhile):
# an ASan start per test was most of their time. Their failed log-ins stay
# well under the per-address limit (LIMIT_LOGIN_FAILS_ADDRESS, 30 in a
# window the frozen clock never ends). The tests that move the clock or count
# every session keep a server of their own. Marked xdist_group: one worker
# runs them all (see conftest's pytest_configure).
SHARED = pytest.mark.xdist_group("accounts")


@pytest.fixture(scope="module")
def accts(module_uchet_factory):
    return module_uchet_factory().start()


@SHARED
def test_person_add_prints_code_last(accts):
    number, code = accts.add_person()
    assert re.fullmatch(r"[A-Z2-9]{4}-[A-Z2-9]{4}-[A-Z2-9]{4}", code)


@SHARED
def test_person_add_rejects_bad_input_without_writing(accts):
    before = accts.db.scalar("SELECT COUNT(*) FROM persons")
    r = accts.ctl("person", "add", "--document-kind", "card", "--document-number", "1",
                  "--surname", "A", "--given-names", "B", "--birth-date", "2025-02-29",
                  "--citizenship", "TJK", "--purpose", "work", "--entry-regime", "visa_free",
                  "--language", "tg", check=False)
    assert r.returncode == 2 and "birth-date" in r.stderr
    assert accts.db.scalar("SELECT COUNT(*) FROM persons") == before


@SHARED
def test_duplicate_document_is_refused(accts):
    number, _ = accts.add_person()
    r = accts.ctl("person", "add", "--document-kind", "card", "--document-number", number,
                  "--surname", "X", "--given-names", "Y", "--birth-date", "1990-01-01",
                  "--citizenship", "UZB", "--purpose", "work", "--entry-regime", "visa_free",
                  "--language", "uz", check=False)
    assert r.returncode == 1 and "already registered" in r.stderr


@SHARED
def test_activate_then_log_in_with_card(accts):
    number, code = accts.add_person()
    token = accts.activate(code, "a long enough password")
    assert accts.me(token)["person"]["surname"] == "RAHIMOV"
    r = accts.http.post("/api/v1/session", json={"document_kind": "card", "document_number": number,
                                                 "password": "a long enough password"})
    assert r.status_code == 201
    assert r.json()["token"] != token


@SHARED
def test_log_in_with_passport_when_card_is_lost(accts):
    _, code = accts.add_person(passport="FA1234567")
    accts.activate(code, "passport holder pw")
    r = accts.http.post("/api/v1/session", json={"document_kind": "passport", "document_number": "FA1234567",
                                                 "password": "passport holder pw"})
    assert r.status_code == 201


@SHARED
def test_activation_code_is_single_use(accts):
    _, code = accts.add_person()
    accts.activate(code)
    r = accts.http.post("/api/v1/activation", json={"activation_code": code, "password": "another password"})
    assert r.status_code == 400 and r.json()["code"] == "activation_code_invalid"


@SHARED
def test_activation_code_typed_loosely_still_works(accts):
    _, code = accts.add_person()
    typed = code.lower().replace("-", " ")
    r = accts.http.post("/api/v1/activation", json={"activation_code": typed, "password": "correct horse battery"})
    assert r.status_code == 201


@SHARED
def test_password_length_rules(accts):
    _, code = accts.add_person()
    r = accts.http.post("/api/v1/activation", json={"activation_code": code, "password": "short"})
    assert r.status_code == 400 and r.json()["code"] == "password_too_short"
    assert "12" in r.json()["detail"]
    r = accts.http.post("/api/v1/activation", json={"activation_code": code, "password": "x" * 129})
    assert r.status_code == 400 and r.json()["code"] == "password_too_long"
    # A 60-character passphrase is a good password (ASVS 2.1.2 allows >= 64).
    r = accts.http.post("/api/v1/activation", json={"activation_code": code, "password": "sixty characters of a passphrase, in several plain words"})
    assert r.status_code == 201


@SHARED
def test_wrong_password_and_unknown_document_look_the_same(accts):
    number, code = accts.add_person()
    accts.activate(code)
    a = accts.http.post("/api/v1/session", json={"document_kind": "card", "document_number": number, "password": "wrong password!"})
    b = accts.http.post("/api/v1/session", json={"document_kind": "card", "document_number": "0000000000", "password": "wrong password!"})
    assert a.status_code == b.status_code == 401
    assert a.json() == b.json()


@SHARED
def test_log_in_is_rate_limited_per_account(accts):
    number, code = accts.add_person()
    accts.activate(code)
    body = {"document_kind": "card", "document_number": number, "password": "not the password"}
    codes = [accts.http.post("/api/v1/session", json=body).status_code for _ in range(6)]
    assert codes[:5] == [401] * 5 and codes[5] == 429
    r = accts.http.post("/api/v1/session", json={**body, "password": "correct horse battery"})
    assert r.status_code == 429, "even the right password waits out the window"
    assert int(r.headers["retry-after"]) > 0
    assert r.json()["code"] == "rate_limited"


@SHARED
def test_logout_invalidates_token(accts):
    _, token = accts.new_user()
    assert accts.http.delete("/api/v1/session", headers=accts.auth(token)).status_code == 204
    r = accts.http.get("/api/v1/me", headers=accts.auth(token))
    assert r.status_code == 401 and r.json()["code"] == "unauthorized"


def test_token_expires_after_30_days_unrenewed(uchet):
    """Issue 17: a person's session lasts on their phone (30 days since its
    last renewal by default; tests/api/test_sessions.py has the rest)."""
    _, token = uchet.new_user()
    uchet.set_clock("2025-11-30T09:59:00+03:00")
    assert uchet.http.get("/api/v1/me", headers=uchet.auth(token)).status_code == 200
    uchet.set_clock("2025-11-30T10:00:01+03:00")
    assert uchet.http.get("/api/v1/me", headers=uchet.auth(token)).status_code == 401


@SHARED
def test_wrong_and_missing_tokens(accts):
    for h in ({}, {"Authorization": "Bearer nope"}, {"Authorization": "Bearer " + "A" * 43},
              {"Authorization": "Basic dXNlcjpwYXNz"}):
        r = accts.http.get("/api/v1/me", headers=h)
        assert r.status_code == 401 and r.json()["code"] == "unauthorized"


@SHARED
def test_language_change(accts):
    _, token = accts.new_user()
    r = accts.http.patch("/api/v1/me", headers=accts.auth(token), json={"language": "kk"})
    assert r.status_code == 200
    assert accts.me(token)["person"]["language"] == "kk"
    r = accts.http.patch("/api/v1/me", headers=accts.auth(token), json={"language": "xx"})
    assert r.status_code == 400 and r.json()["code"] == "unknown_language"


@SHARED
def test_tokens_are_stored_only_as_hashes(accts):
    _, token = accts.new_user()
    rows = accts.db.query("SELECT hex(token_hash) FROM sessions") if not accts.db_url.startswith("postgres") \
        else accts.db.query("SELECT encode(token_hash, 'hex') FROM sessions")
    assert rows and all(token not in r[0] for r in rows)
    if not accts.db_url.startswith("postgres"):
        assert token.encode() not in open(accts.db_url, "rb").read()


def test_expired_sessions_are_purged(uchet):
    """Issue 12: sessions whose time is over are deleted, not kept forever."""
    _, token = uchet.new_user()
    _, other = uchet.new_user()
    assert uchet.db.scalar("SELECT COUNT(*) FROM sessions") == 2
    uchet.set_clock("2025-12-01T10:00:00+03:00")         # 31 days later, unrenewed: both expired
    _, fresh = uchet.new_user()
    deadline = time.time() + 10
    while time.time() < deadline and uchet.db.scalar("SELECT COUNT(*) FROM sessions") != 1:
        time.sleep(0.2)
    assert uchet.db.scalar("SELECT COUNT(*) FROM sessions") == 1
    assert uchet.me(fresh)["person"]["surname"] == "RAHIMOV"


@SHARED
def test_a_new_password_ends_the_other_sessions(accts):
    """Issue 12: setting a password (activation with a re-issued code) ends
    every session opened with the old one."""
    number, code = accts.add_person()
    old = accts.activate(code)
    pid = accts.me(old)["person"]["id"]
    new_code = "ABCD-EFGH-JKMN"
    import hashlib
    digest = hashlib.sha256(new_code.encode()).hexdigest()
    if accts.db_url.startswith("postgres"):
        accts.db.query(f"UPDATE persons SET activation_hash = decode('{digest}', 'hex'),"
                       f" activation_expires_at = 4102444800 WHERE id = {pid} RETURNING id")
    else:
        accts.db.query(f"UPDATE persons SET activation_hash = x'{digest}', activation_expires_at = 4102444800"
                       f" WHERE id = {pid} RETURNING id")
    new = accts.activate(new_code, "a brand new password")
    assert accts.http.get("/api/v1/me", headers=accts.auth(old)).status_code == 401
    assert accts.me(new)["person"]["id"] == pid


@SHARED
def test_common_passwords_are_refused(accts):
    _, code = accts.add_person()
    for pw in ("password1234", "qwertyqwerty", "123456789012", "iloveyou2025!"):
        r = accts.http.post("/api/v1/activation", json={"activation_code": code, "password": pw})
        assert r.status_code == 400 and r.json()["code"] == "password_common", pw
    r = accts.http.post("/api/v1/activation", json={"activation_code": code, "password": "elevenchars"})
    assert r.status_code == 400 and r.json()["code"] == "password_too_short"


def luhn_ok(number):
    total = 0
    for i, ch in enumerate(reversed(number)):
        d = int(ch)
        if i % 2 == 1:
            d = d * 2 - 9 if d * 2 > 9 else d * 2
        total += d
    return total % 10 == 0


@SHARED
def test_card_numbers_uchet_assigns_are_random_with_a_check_digit(accts):
    """Issue 12: sequential card numbers let a stranger walk through them."""
    numbers = []
    for _ in range(5):
        r = accts.ctl("person", "add", "--document-kind", "card", "--surname", "RAHIMOV",
                      "--given-names", "FARRUKH", "--birth-date", "1995-04-12", "--citizenship", "TJK",
                      "--purpose", "work", "--entry-regime", "visa_free", "--language", "tg")
        lines = r.stdout.strip().splitlines()
        assert lines[0].startswith("card number ")
        numbers.append(lines[0].split()[-1])
        code = lines[-1]
    assert all(len(n) == 10 and n.isdigit() and luhn_ok(n) for n in numbers), numbers
    assert len(set(numbers)) == 5
    ints = sorted(int(n) for n in numbers)
    assert all(b - a > 1000 for a, b in zip(ints, ints[1:])), "not a sequence"
    accts.activate(code)
    assert accts.login(numbers[-1])
