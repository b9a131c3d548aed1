"""A person's session on their own phone (issue 17) and the password change
(issue 12): lifetime and renewal with the injected clock, the password asked
again before changing the record, the list of one's sessions, log out
everywhere, and a password change that ends the other sessions."""
import json

import pytest

from conftest import RESIDENCE

PW = "correct horse battery"
NEW_PW = "purple lantern over meadow"


def me_status(u, token):
    return u.http.get("/api/v1/me", headers=u.auth(token)).status_code


def log_lines(u, event):
    out = []
    for line in u.logs().decode("utf-8", "replace").splitlines():
        try:
            rec = json.loads(line)
        except ValueError:
            continue
        if rec.get("event") == event:
            out.append(rec)
    return out


@pytest.fixture
def plain(uchet):
    """uchet without the harness's automatic re-check: the tests here see the
    403 the app sees."""
    uchet.transport.enabled = False
    return uchet


# One uchetd for the tests that keep the start clock and look only at their
# own person (each makes its own; the audit rows and log lines they read are
# those of their person): an ASan start per test was most of their time. Its
# client has the automatic re-check off, as `plain` (at the start clock every
# session is fresh, so nothing asks; a test that is asked sees the 403). Their
# failed log-ins and password checks (some ten, at one frozen clock) stay well
# under the per-address limit; the one limit tested here is the pair of one
# person and this address. Tests that move the clock, test the per-address
# limit or start a server with other settings keep a server of their own.
# Marked xdist_group: one worker runs them all (see conftest's pytest_configure).
SHARED = pytest.mark.xdist_group("sessions")


@pytest.fixture(scope="module")
def sess(module_uchet_factory):
    u = module_uchet_factory().start()
    u.transport.enabled = False
    return u


def person_id(u, token):
    return u.me(token)["person"]["id"]


# --- the password change -----------------------------------------------------

@SHARED
def test_password_change_ends_other_sessions_keeps_this_one(sess):
    u = sess
    number, phone = u.new_user()
    pid = person_id(u, phone)
    other = u.login(number)
    r = u.http.post("/api/v1/me/password", headers=u.auth(phone),
                    json={"current_password": PW, "new_password": NEW_PW})
    assert r.status_code == 204, r.text
    assert me_status(u, phone) == 200
    assert me_status(u, other) == 401
    bad = u.http.post("/api/v1/session", json={"document_kind": "card", "document_number": number,
                                               "password": PW})
    assert bad.status_code == 401
    assert u.login(number, password=NEW_PW)
    events = u.db.query("SELECT actor, detail FROM audit WHERE action = 'person.password_changed'"
                        f" AND subject = 'person:{pid}'")
    assert len(events) == 1 and json.loads(events[0][1]) == {"sessions_ended": 1}
    assert events[0][0] == f"person:{pid}"
    logged = [rec for rec in log_lines(u, "auth.password_changed") if rec["msg"].startswith(f"person {pid},")]
    assert len(logged) == 1
    text = u.logs().decode("utf-8", "replace")
    assert number not in text and phone not in text and NEW_PW not in text


@SHARED
def test_password_change_refuses_wrong_current_and_weak_new(sess):
    u = sess
    number, token = u.new_user()
    cases = [({"current_password": "not my password", "new_password": NEW_PW}, 403, "wrong_password"),
             ({"current_password": PW, "new_password": "short"}, 400, "password_too_short"),
             ({"current_password": PW, "new_password": "password1234"}, 400, "password_common"),
             ({"current_password": PW, "new_password": PW}, 400, "password_unchanged"),
             ({"current_password": PW, "new_password": NEW_PW, "extra": 1}, 400, None)]
    for body, status, code in cases:
        r = u.http.post("/api/v1/me/password", headers=u.auth(token), json=body)
        assert r.status_code == status, (body, r.text)
        if code:
            assert r.json()["code"] == code
    # nothing changed: the old password still logs in
    assert u.login(number)
    assert me_status(u, token) == 200
    r = u.http.post("/api/v1/me/password", json={"current_password": PW, "new_password": NEW_PW})
    assert r.status_code == 401


@SHARED
def test_password_change_is_counted_like_a_log_in(sess):
    """Five wrong current passwords from one address, then 429: the change
    cannot be used to guess the password of a stolen phone's session."""
    u = sess
    number, token = u.new_user()
    statuses = []
    for _ in range(7):
        r = u.http.post("/api/v1/me/password", headers=u.auth(token),
                        json={"current_password": "guess guess guess", "new_password": NEW_PW})
        statuses.append(r.status_code)
    assert statuses == [403] * 5 + [429] * 2
    assert "Retry-After" in r.headers
    # the same counter as a log-in: the right password by log-in is refused too
    r = u.http.post("/api/v1/session", json={"document_kind": "card", "document_number": number, "password": PW})
    assert r.status_code == 429


# --- lifetime and renewal ----------------------------------------------------

def test_session_lasts_weeks_and_slides_with_renewal_up_to_the_cap(plain):
    u = plain
    number, _ = u.new_user()
    idle = u.login(number)
    kept = u.login(number)
    # 29 days without use: both still work (default idle 30 days)
    u.set_clock("2025-11-29T09:00:00+03:00")
    assert me_status(u, idle) == 200
    r = u.http.post("/api/v1/session/renew", headers=u.auth(kept))
    assert r.status_code == 200, r.text
    assert r.json()["expires_at"].startswith("2025-12-29T06:00:00")
    assert r.json()["renewable_until"].startswith("2026-01-29T07:00:00")
    # day 31: the unrenewed one is over, the renewed one is not
    u.set_clock("2025-12-01T10:00:00+03:00")
    assert me_status(u, idle) == 401
    assert me_status(u, kept) == 200
    # renewed every 25 days it lives to the cap of 90 days after the log-in ...
    for day in ("2025-12-24T10:00:00+03:00", "2026-01-18T10:00:00+03:00"):
        u.set_clock(day)
        assert u.http.post("/api/v1/session/renew", headers=u.auth(kept)).status_code == 200
    r = u.http.post("/api/v1/session/renew", headers=u.auth(kept))
    assert r.json()["expires_at"] == r.json()["renewable_until"]
    u.set_clock("2026-01-29T09:59:00+03:00")
    assert me_status(u, kept) == 200
    # ... and not a minute more: then the password is asked again
    u.set_clock("2026-01-29T10:01:00+03:00")
    assert me_status(u, kept) == 401
    assert u.http.post("/api/v1/session/renew", headers=u.auth(kept)).status_code == 401


def test_lifetimes_are_configurable(uchet_factory, tmp_path):
    conf = tmp_path / "uchetd.ini"
    conf.write_text("[uchetd]\nsession_idle_days = 2\nsession_max_days = 3\npassword_recheck_minutes = 1\n")
    u = uchet_factory(extra_args=["--config", str(conf)]).start()
    u.transport.enabled = False
    number, token = u.new_user()
    u.set_clock("2025-11-01T09:59:00+03:00")
    assert u.http.post("/api/v1/session/renew", headers=u.auth(token)).json()["expires_at"].startswith(
        "2025-11-03T06:59:00")
    u.set_clock("2025-11-03T10:00:00+03:00")   # renewed, but past the 3-day cap
    assert me_status(u, token) == 401


# --- the password asked again before changing the record ---------------------

def test_record_changes_want_a_recent_password(plain):
    u = plain
    number, token = u.new_user()
    u.register(token)                      # just logged in: no question asked
    u.set_clock("2025-10-31T10:16:00+03:00")
    body = {"region": "50", "residence": dict(RESIDENCE, settlement="Khimki")}
    refused = [
        u.http.post("/api/v1/me/registration", headers=u.auth(token), json=body),
        u.http.request("DELETE", "/api/v1/me/registration", headers=u.auth(token), json={"reason": "departed"}),
        u.http.put("/api/v1/me/registration/residence", headers=u.auth(token), json=RESIDENCE),
        u.http.post("/api/v1/me/minors", headers=u.auth(token), json={}),
        u.http.post("/api/v1/me/appeals", headers=u.auth(token), json={}),
    ]
    for r in refused:
        assert r.status_code == 403, r.text
        assert r.json()["code"] == "password_recheck_required"
    # reading and the daily confirmation are not asked
    assert me_status(u, token) == 200
    assert u.confirm(token).status_code == 201
    wrong = u.http.post("/api/v1/session/recheck", headers=u.auth(token), json={"password": "not it at all"})
    assert wrong.status_code == 403 and wrong.json()["code"] == "wrong_password"
    ok = u.http.post("/api/v1/session/recheck", headers=u.auth(token), json={"password": PW})
    assert ok.status_code == 204
    r = u.http.post("/api/v1/me/registration", headers=u.auth(token), json=body)
    assert r.status_code == 201, r.text
    # the re-check belongs to this session only
    other = u.login(number)
    u.set_clock("2025-10-31T10:40:00+03:00")
    r = u.http.request("DELETE", "/api/v1/me/registration", headers=u.auth(other), json={"reason": "departed"})
    assert r.json()["code"] == "password_recheck_required"


def test_the_harness_answers_the_recheck_like_the_app(uchet):
    """conftest's transport re-checks and retries, as the app does; the
    other test files rely on it when they move the clock and then register."""
    number, token = uchet.new_user()
    uchet.set_clock("2025-11-20T10:00:00+03:00")
    uchet.register(token)    # asserts 201


# --- one's sessions, log out everywhere ---------------------------------------

def test_list_of_sessions_and_log_out_everywhere(plain):
    u = plain
    number, first = u.new_user()
    r = u.http.post("/api/v1/session", json={"document_kind": "card", "document_number": number, "password": PW,
                                             "device": "Android phone"})
    assert r.status_code == 201
    phone = r.json()["token"]
    u.set_clock("2025-11-02T08:00:00+03:00")
    assert u.http.post("/api/v1/session/renew", headers=u.auth(phone)).status_code == 200
    r = u.http.get("/api/v1/me/sessions", headers=u.auth(first))
    assert r.status_code == 200
    sessions = r.json()["sessions"]
    assert [s["device"] for s in sessions] == ["Android phone", ""]
    assert [s["current"] for s in sessions] == [False, True]
    assert sessions[0]["last_used_at"].startswith("2025-11-02T05:00:00")
    assert sessions[1]["created_at"].startswith("2025-10-31T07:00:00")
    assert "addr" not in json.dumps(sessions) and "127.0.0.1" not in json.dumps(sessions)
    # someone else's sessions are never listed
    _, stranger = u.new_user()
    assert len(u.http.get("/api/v1/me/sessions", headers=u.auth(stranger)).json()["sessions"]) == 1
    r = u.http.delete("/api/v1/me/sessions", headers=u.auth(phone))
    assert r.status_code == 204
    assert me_status(u, first) == 401 and me_status(u, phone) == 401
    assert me_status(u, stranger) == 200
    assert u.db.query("SELECT detail FROM audit WHERE action = 'session.ended_everywhere'") == [
        ('{"sessions_ended":2}',)]
    assert u.login(number)


@SHARED
def test_successful_log_in_is_logged_without_numbers(sess):
    uchet = sess
    number, first = uchet.new_user()
    pid = person_id(uchet, first)
    token = uchet.login(number)
    lines = [rec for rec in log_lines(uchet, "auth.login_ok") if f"account person {pid}," in rec["msg"]]
    assert len(lines) == 1
    text = json.dumps(lines)
    assert "person" in text and number not in text and token not in text


# --- the client's address behind the proxy (issue 12) ------------------------

def wrong_log_in(u, number, xff=None):
    headers = {"X-Forwarded-For": xff} if xff else {}
    return u.http.post("/api/v1/session", headers=headers,
                       json={"document_kind": "card", "document_number": number, "password": "wrong wrong wrong"})


def test_a_spoofed_forwarded_for_does_not_escape_the_per_address_limit(uchet):
    """No trusted proxy configured (the default): the header is ignored, so a
    guesser who writes a new X-Forwarded-For each time is still one address."""
    number, _ = uchet.new_user()
    statuses = [wrong_log_in(uchet, number, f"198.51.100.{i}").status_code for i in range(1, 8)]
    assert statuses == [401] * 5 + [429] * 2
    peers = {rec["peer"] for rec in log_lines(uchet, "security.denied")}
    assert peers == {"127.0.0.1"}


def test_through_a_trusted_proxy_the_limit_keys_per_client(uchet_factory, tmp_path):
    conf = tmp_path / "uchetd.ini"
    conf.write_text("[uchetd]\ntrusted_proxies = 10.0.0.0/8, 127.0.0.1\n")
    u = uchet_factory(extra_args=["--config", str(conf)]).start()
    number, _ = u.new_user()
    # one client behind the proxy: five tries, then locked out; writing its own
    # header in front of the proxy's does not make it someone else
    first = [wrong_log_in(u, number, "198.51.100.1").status_code for _ in range(5)]
    assert first == [401] * 5
    assert wrong_log_in(u, number, "198.51.100.1").status_code == 429
    assert wrong_log_in(u, number, "6.6.6.6, 198.51.100.1").status_code == 429
    assert wrong_log_in(u, number, "198.51.100.1, 10.9.9.9").status_code == 429   # two proxies of ours
    # another client behind the same proxy is not locked out by the first
    assert wrong_log_in(u, number, "198.51.100.2").status_code == 401
    assert u.login(number)                     # the owner, with no header: the proxy's own address
    # the security log names the client, not the proxy
    peers = {rec["peer"] for rec in log_lines(u, "security.denied")}
    assert peers == {"198.51.100.1", "198.51.100.2"}
    ok = log_lines(u, "auth.login_ok")
    assert "client 127.0.0.1" in ok[-1]["msg"]


def test_a_bad_trusted_proxies_setting_stops_the_start(uchet_factory, tmp_path):
    conf = tmp_path / "uchetd.ini"
    conf.write_text("[uchetd]\ntrusted_proxies = nginx.local\n")
    u = uchet_factory(extra_args=["--config", str(conf)])
    with pytest.raises(AssertionError, match="trusted_proxies"):
        u.start()


# --- password recovery through a registrar (issue 17) ------------------------

@SHARED
def test_a_registrar_reissues_the_activation_code(sess):
    uchet = sess
    number, phone = uchet.new_user()
    pid = person_id(uchet, phone)
    other = uchet.login(number)
    base = ["person", "reissue-code", "--document-kind", "card", "--document-number", number]
    r = uchet.ctl(*base, "--reason", "forgot", check=False)
    assert r.returncode == 2 and "reason" in r.stderr.lower()
    assert uchet.ctl(*base[:-1], "0000000000", "--reason", "forgot the password, card checked", check=False
                     ).returncode == 1
    assert me_status(uchet, phone) == 200       # nothing happened so far
    out = uchet.ctl(*base, "--reason", "forgot the password, card checked", "--actor", "registrar:ivanova")
    code = out.stdout.strip().splitlines()[-1]
    assert "2 session(s) ended" in out.stdout
    assert me_status(uchet, phone) == 401 and me_status(uchet, other) == 401
    old = uchet.http.post("/api/v1/session", json={"document_kind": "card", "document_number": number,
                                                   "password": PW})
    assert old.status_code == 401
    token = uchet.activate(code, password=NEW_PW)
    assert me_status(uchet, token) == 200
    assert uchet.login(number, password=NEW_PW)
    rows = uchet.db.query("SELECT actor, detail FROM audit WHERE action = 'person.activation_reissued'"
                          f" AND subject = 'person:{pid}'")
    assert len(rows) == 1 and rows[0][0] == "registrar:ivanova"
    assert json.loads(rows[0][1]) == {"reason": "forgot the password, card checked", "sessions_ended": 2,
                                        "passkeys_removed": 0}
    # the code is single-use, like the first one
    again = uchet.http.post("/api/v1/activation", json={"activation_code": code, "password": NEW_PW + "x"})
    assert again.status_code == 400


@SHARED
def test_the_desk_reissues_a_code_registrars_only(sess):
    from conftest import officer
    uchet = sess
    number, phone = uchet.new_user()
    pid = person_id(uchet, phone)
    body = {"document_kind": "card", "document_number": number, "reason": "forgot the password, card seen"}
    inspector = officer(uchet, "inspector")
    r = uchet.http.post("/api/v1/desk/activation-codes", headers=inspector, json=body)
    assert r.status_code == 403
    assert uchet.http.post("/api/v1/desk/activation-codes", json=body).status_code == 401
    registrar = officer(uchet, "registrar")
    for bad in (dict(body, reason="     .....  "), dict(body, reason="short"), dict(body, extra=1)):
        r = uchet.http.post("/api/v1/desk/activation-codes", headers=registrar, json=bad)
        assert r.status_code == 400, r.text
    r = uchet.http.post("/api/v1/desk/activation-codes", headers=registrar,
                        json=dict(body, document_number="0000000001"))
    assert r.status_code == 404
    assert me_status(uchet, phone) == 200        # nothing happened so far
    r = uchet.http.post("/api/v1/desk/activation-codes", headers=registrar, json=body)
    assert r.status_code == 201, r.text
    assert r.json()["sessions_ended"] == 1 and r.json()["expires_at"].startswith("2025-11-30T07:00:00")
    assert me_status(uchet, phone) == 401
    token = uchet.activate(r.json()["activation_code"], password=NEW_PW)
    assert me_status(uchet, token) == 200
    actor = uchet.db.query("SELECT actor FROM audit WHERE action = 'person.activation_reissued'"
                           f" AND subject = 'person:{pid}'")
    assert len(actor) == 1 and actor[0][0].startswith("officer:")
    assert r.json()["activation_code"] not in uchet.logs().decode("utf-8", "replace")
