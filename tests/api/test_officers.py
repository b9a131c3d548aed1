"""Officers at the desk and what they may see (product rule 14): separate log-in,
roles, person look-ups only with a reason, and the person's "who viewed my record"."""
import hashlib
import json
import shutil
import subprocess

import pytest

from conftest import (AUTHENTICATORS, BACKEND, OFFICER_PASSWORD, RESIDENCE, UCHETCTL, add_officer, clock_step,
                      desk_credentials, desk_enrol, desk_login, officer, totp_code)


def lookup(uchet, headers, number, reason="case 2025/117", kind="card"):
    body = {"document_kind": kind, "document_number": number}
    if reason is not None:
        body["reason"] = reason
    return uchet.http.post("/api/v1/desk/person-lookups", headers=headers, json=body)


def access_log(uchet, token):
    r = uchet.http.get("/api/v1/me/access-log", headers=uchet.auth(token))
    assert r.status_code == 200, r.text
    return r.json()["items"]


def officer_id(uchet, login):
    return uchet.db.scalar(f"SELECT id FROM officers WHERE login = '{login}'")


def reads_of(uchet, token, login):
    """The officer_reads rows of this test: of its person or by its officer."""
    pid = uchet.me(token)["person"]["id"]
    return f"(person_id = {pid} OR officer_id = {officer_id(uchet, login)})"


def audit_of(uchet, token, login):
    """The audit rows of this test: about its person or by its officer."""
    pid = uchet.me(token)["person"]["id"]
    return f"(subject = 'person:{pid}' OR actor = 'officer:{officer_id(uchet, login)}')"


# One uchetd for the tests that keep the start clock and look only at what
# they made (their own persons and officers, each with its own document
# number and login; the rows they count are those of their person or their
# officer): an ASan start per test was most of their time. Their failed
# log-ins stay well under the per-address limit. Tests that move the clock,
# run `demo`, or start a server with other settings keep a server of their
# own. Marked xdist_group: one worker runs them all (see conftest's
# pytest_configure).
SHARED = pytest.mark.xdist_group("officers")


@pytest.fixture(scope="module")
def desk_u(module_uchet_factory):
    return module_uchet_factory().start()


# --- accounts and sessions ---------------------------------------------------

@SHARED
def test_officer_logs_in_with_role_and_out(desk_u):
    login = add_officer(desk_u, "inspector")
    desk_enrol(desk_u, login)
    r = desk_u.http.post("/api/v1/desk/session", json=desk_credentials(desk_u, login))
    assert r.status_code == 201, r.text
    assert r.json()["role"] == "inspector"
    assert r.json()["expires_at"] == "2025-10-31T19:00:00Z"     # the absolute cap: 12 hours after 10:00 Moscow time
    assert r.json()["idle_timeout_s"] == 900
    headers = {"Authorization": f"Bearer {r.json()['token']}"}
    assert desk_u.http.delete("/api/v1/desk/session", headers=headers).status_code == 204
    assert desk_u.http.delete("/api/v1/desk/session", headers=headers).status_code == 401
    number, _ = desk_u.new_user()
    assert lookup(desk_u, headers, number).status_code == 401, "a logged-out token opens nothing"


def test_demo_prints_a_desk_login_that_works_and_the_desk_page_is_served(uchet):
    """`make run` prints a log-in for each front end: the desk's is a registrar."""
    out = uchet.ctl("demo", "--force").stdout   # --force: PostgreSQL is refused without it (test_edge)
    line = next(l for l in out.splitlines() if l.startswith("Desk (/desk/): log in as "))
    login, password = line.split()[5], line.split()[-1]
    r = uchet.http.post("/api/v1/desk/session", json={"login": login, "password": password})
    assert r.status_code == 202 and r.json()["role"] == "registrar", "the first log-in enrols the authenticator"
    assert line in uchet.ctl("demo", "--force").stdout, "running demo again is harmless"
    page = uchet.http.get("/desk/")
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    assert "/desk/desk.js" in page.text


@SHARED
def test_generated_password_is_shown_once_and_stored_only_as_argon2id(desk_u):
    r = desk_u.ctl("officer", "add", "--login", "reg1", "--name", "Anna Petrova", "--role", "registrar")
    lines = r.stdout.strip().splitlines()
    password = lines[-1]
    assert "shown once" in lines[-2] and len(password) >= 20
    assert desk_login(desk_u, "reg1", password)
    stored = desk_u.db.query("SELECT password_hash, role, name FROM officers WHERE login = 'reg1'")[0]
    assert stored[0].startswith("$argon2id$") and password not in stored[0]
    assert stored[1:] == ("registrar", "Anna Petrova")
    # without --argon2-* options: libsodium's interactive cost, as in production
    assert "$m=65536,t=2," in stored[0]


@SHARED
def test_argon2_cost_options_set_the_officers_hash_cost(desk_u):
    # the tests' cheaper cost (conftest.TEST_ARGON2), still argon2id, still checked at log-in
    login = add_officer(desk_u, "inspector")
    stored = desk_u.db.query(f"SELECT password_hash FROM officers WHERE login = '{login}'")[0][0]
    assert stored.startswith("$argon2id$v=19$m=64,t=1,")
    assert desk_login(desk_u, login)
    for bad in (["--argon2-opslimit", "0"], ["--argon2-memlimit-kib", "4"], ["--argon2-opslimit", "2x"]):
        r = subprocess.run([UCHETCTL, "--database", desk_u.db_url, *bad, "officer", "list"],
                           capture_output=True, text=True)
        assert r.returncode == 2 and "uchetd's range" in r.stderr, (bad, r.stderr)


@SHARED
def test_login_taken_and_bad_role_are_refused(desk_u):
    add_officer(desk_u, "auditor", login="same")
    again = subprocess.run([UCHETCTL, "--database", desk_u.db_url, "officer", "add", "--login", "same", "--name", "X",
                            "--role", "registrar", "--password-stdin"], input="another password 1\n",
                           capture_output=True, text=True)
    assert again.returncode == 1 and "already exists" in again.stderr
    bad = desk_u.ctl("officer", "add", "--login", "x", "--name", "X", "--role", "police", check=False)
    assert bad.returncode == 2 and "registrar, inspector, auditor or supervisor" in bad.stderr
    short = subprocess.run([UCHETCTL, "--database", desk_u.db_url, "officer", "add", "--login", "y", "--name", "Y",
                            "--role", "inspector", "--password-stdin"], input="short\n", capture_output=True, text=True)
    assert short.returncode == 2 and "at least 12" in short.stderr
    counts = {login: desk_u.db.scalar(f"SELECT COUNT(*) FROM officers WHERE login = '{login}'")
              for login in ("same", "x", "y")}
    assert counts == {"same": 1, "x": 0, "y": 0}, "none of the refused adds wrote an officer"


def test_wrong_password_does_not_say_which_part_and_is_rate_limited(uchet):
    login = add_officer(uchet, "inspector")
    unknown = uchet.http.post("/api/v1/desk/session", json={"login": "nobody", "password": OFFICER_PASSWORD})
    wrong = uchet.http.post("/api/v1/desk/session", json={"login": login, "password": "not the password"})
    assert unknown.status_code == wrong.status_code == 401
    assert unknown.json()["code"] == wrong.json()["code"] == "bad_credentials"
    assert unknown.json()["detail"] == wrong.json()["detail"]
    for _ in range(4):
        assert uchet.http.post("/api/v1/desk/session", json={"login": login, "password": "nope nope"}).status_code == 401
    locked = uchet.http.post("/api/v1/desk/session", json={"login": login, "password": OFFICER_PASSWORD})
    assert locked.status_code == 429 and int(locked.headers["retry-after"]) > 0
    uchet.set_clock("2025-10-31T10:16:00+03:00")                 # the 15-minute window has passed
    assert desk_login(uchet, login)


@SHARED
def test_person_and_officer_tokens_do_not_cross(desk_u):
    number, person_token = desk_u.new_user()
    desk = officer(desk_u, "registrar")
    assert desk_u.http.get("/api/v1/desk/appeals", headers=desk_u.auth(person_token)).status_code == 401
    assert lookup(desk_u, desk_u.auth(person_token), number).status_code == 401
    assert desk_u.http.get("/api/v1/me", headers=desk).status_code == 401
    assert desk_u.http.get("/api/v1/me/access-log", headers=desk).status_code == 401


# --- officer reads -------------------------------------------------------------

@SHARED
def test_inspector_sees_status_only_and_the_person_sees_the_read(desk_u):
    number, token = desk_u.new_user()
    desk_u.register(token)
    login = add_officer(desk_u, "inspector")
    desk = desk_login(desk_u, login)
    r = lookup(desk_u, desk, number, reason="Дело № 17/2025, проверка")
    assert r.status_code == 200
    body = r.json()
    assert body["status"] == "active" and body["region"] == "77" and body["region_name"] == "Moscow"
    assert body["due_date"] == "2025-11-06" and body["surname"] == "RAHIMOV"
    text = r.text
    for leak in ("Tverskaya", "residence", "lat", "lon", str(RESIDENCE["lat"]), "TJK", "1995-04-12"):
        assert leak not in text, f"{leak!r} must not reach the desk"
    log = access_log(desk_u, token)
    assert log == [{"at": "2025-10-31T10:00:00+03:00", "officer_role": "inspector", "reason": "Дело № 17/2025, проверка"}]
    reads = desk_u.db.query(f"SELECT reason FROM officer_reads WHERE {reads_of(desk_u, token, login)}")
    assert reads == [("Дело № 17/2025, проверка",)]
    event = desk_u.db.query("SELECT actor, subject, detail FROM audit WHERE action = 'person.read'"
                            f" AND {audit_of(desk_u, token, login)}")
    assert len(event) == 1 and event[0][0].startswith("officer:") and event[0][1].startswith("person:")
    assert json.loads(event[0][2]) == {"reason": "Дело № 17/2025, проверка", "role": "inspector"}
    assert number not in event[0][2]
    assert desk_u.ctl("audit", "verify").stdout.startswith("intact")


def test_access_log_shows_the_role_never_the_name(uchet):
    number, token = uchet.new_user()
    uchet.register(token)
    uchet.ctl("officer", "add", "--login", "ivanov", "--name", "Ivan Ivanov", "--role", "registrar")
    r = uchet.ctl("officer", "add", "--login", "smirnova", "--name", "Olga Smirnova", "--role", "inspector")
    insp = desk_login(uchet, "smirnova", r.stdout.strip().splitlines()[-1])
    assert lookup(uchet, insp, number, reason="ref A-1001 check").status_code == 200
    uchet.set_clock("2025-10-31T11:00:00+03:00")
    assert lookup(uchet, insp, number, reason="ref A-1002 check").status_code == 401, "an hour idle ends the session"
    insp = desk_login(uchet, "smirnova", r.stdout.strip().splitlines()[-1])
    assert lookup(uchet, insp, number, reason="ref A-1002 check").status_code == 200
    r = uchet.http.get("/api/v1/me/access-log", headers=uchet.auth(token))
    assert [(e["officer_role"], e["reason"]) for e in r.json()["items"]] == [("inspector", "ref A-1002 check"), ("inspector", "ref A-1001 check")]
    assert "Smirnova" not in r.text and "smirnova" not in r.text
    assert r.json()["items"][0]["at"] == "2025-10-31T11:00:00+03:00"   # Moscow time, as the rest of the app


@SHARED
def test_a_read_needs_a_reason(desk_u):
    number, token = desk_u.new_user()
    login = add_officer(desk_u, "inspector")
    desk = desk_login(desk_u, login)
    missing = lookup(desk_u, desk, number, reason=None)
    assert missing.status_code == 400 and missing.json()["code"] == "missing_field"
    short = lookup(desk_u, desk, number, reason="abcd")
    assert short.status_code == 400 and short.json()["code"] == "invalid_reason"
    long = lookup(desk_u, desk, number, reason="x" * 201)
    assert long.status_code == 400
    assert lookup(desk_u, desk, number, reason="ab\ncd efg").status_code == 400, "no control characters"
    assert desk_u.db.scalar(f"SELECT COUNT(*) FROM officer_reads WHERE {reads_of(desk_u, token, login)}") == 0
    assert access_log(desk_u, token) == []


@SHARED
def test_auditor_cannot_look_persons_up(desk_u):
    number, token = desk_u.new_user()
    login = add_officer(desk_u, "auditor")
    r = lookup(desk_u, desk_login(desk_u, login), number)
    assert r.status_code == 403 and r.json()["code"] == "role_forbidden"
    assert access_log(desk_u, token) == []
    assert desk_u.db.scalar("SELECT COUNT(*) FROM audit WHERE action = 'person.read'"
                            f" AND {audit_of(desk_u, token, login)}") == 0


@SHARED
def test_registrar_may_look_up_and_unknown_documents_are_404(desk_u):
    number, token = desk_u.new_user()
    desk = officer(desk_u, "registrar")
    assert lookup(desk_u, desk, "0000000000").status_code == 404
    none = lookup(desk_u, desk, number)
    assert none.status_code == 200 and none.json()["status"] == "none"
    assert none.json()["region"] is None and none.json()["due_date"] is None
    assert access_log(desk_u, token)[0]["officer_role"] == "registrar"


@SHARED
def test_ended_registration_shows_reason_and_no_deadline(desk_u):
    number, token = desk_u.new_user()
    desk_u.register(token)
    assert desk_u.http.request("DELETE", "/api/v1/me/registration", headers=desk_u.auth(token),
                              json={"reason": "departed"}).status_code == 200
    r = lookup(desk_u, officer(desk_u, "inspector"), number)
    assert r.json()["status"] == "ended" and r.json()["end_reason"] == "departed"
    assert r.json()["due_date"] is None


@SHARED
def test_lookup_by_passport(desk_u):
    number, token = desk_u.new_user(passport="P1234567")
    desk_u.register(token)
    r = lookup(desk_u, officer(desk_u, "inspector"), "P1234567", kind="passport")
    assert r.status_code == 200 and r.json()["status"] == "active"
    bad = lookup(desk_u, officer(desk_u, "inspector"), "P1234567", kind="visa")
    assert bad.status_code == 400 and bad.json()["code"] == "invalid_document_kind"


# --- issue 12: a reason is a reason; numbers out of URLs ----------------------

NBSP, ZWSP = "\u00a0", "\u200b"


@SHARED
def test_blank_dotted_and_invisible_reasons_are_refused(desk_u):
    number, token = desk_u.new_user()
    login = add_officer(desk_u, "inspector")
    desk = desk_login(desk_u, login)
    for reason in (" " * 5, " " * 10, NBSP * 5, NBSP * 12, ZWSP * 5, "." * 5, "." * 12, "-- !! ?? --",
                   "case 2025/117" + ZWSP, "\u3000" * 10, "checked it"):
        r = lookup(desk_u, desk, number, reason=reason)
        assert r.status_code == 400 and r.json()["code"] == "invalid_reason", repr(reason)
    assert desk_u.db.scalar(f"SELECT COUNT(*) FROM officer_reads WHERE {reads_of(desk_u, token, login)}") == 0
    # a look-up names its case or reference number
    r = lookup(desk_u, desk, number, reason="routine check of documents")
    assert r.status_code == 400 and "reference number" in r.json()["detail"]
    assert lookup(desk_u, desk, number, reason="КУСП-4471, проверка").status_code == 200


@SHARED
def test_whitespace_decision_reasons_are_refused(desk_u):
    desk = officer(desk_u, "registrar")
    for reason in (" " * 10, NBSP * 10, "." * 10, ZWSP * 10):
        r = desk_u.http.post("/api/v1/desk/appeals/1/decision", headers=desk, json={"grant": True, "reason": reason})
        assert r.status_code == 400 and r.json()["code"] == "invalid_reason", repr(reason)


@SHARED
def test_the_number_is_not_taken_in_the_url(desk_u):
    number, token = desk_u.new_user()
    login = add_officer(desk_u, "inspector")
    desk = desk_login(desk_u, login)
    r = desk_u.http.get("/api/v1/desk/persons", headers=desk,
                       params={"document_kind": "card", "document_number": number, "reason": "case 2025/117"})
    assert r.status_code == 410 and r.json()["code"] == "use_post"
    assert desk_u.db.scalar(f"SELECT COUNT(*) FROM officer_reads WHERE {reads_of(desk_u, token, login)}") == 0


# --- two-factor log-in (issue 15): TOTP, RFC 6238, codes computed here with hmac --

def enrolment(uchet, login):
    r = uchet.http.post("/api/v1/desk/session", json={"login": login, "password": OFFICER_PASSWORD})
    assert r.status_code == 202, r.text
    return r.json()


def qr_text(rows, tmp_path):
    """What zbarimg reads from the desk's QR rows drawn as a PBM, 4 pixels a
    module, with the standard's four-module quiet zone."""
    quiet, scale = 4, 4
    side = (len(rows) + 2 * quiet) * scale
    bits = []
    for y in range(side):
        row = rows[y // scale - quiet] if quiet <= y // scale < len(rows) + quiet else ""
        bits.append(" ".join(row[x // scale - quiet] if row and quiet <= x // scale < len(rows) + quiet else "0"
                             for x in range(side)))
    path = tmp_path / "qr.pbm"
    path.write_text(f"P1\n{side} {side}\n" + "\n".join(bits) + "\n")
    out = subprocess.run(["zbarimg", "--raw", "-q", str(path)], capture_output=True, text=True, timeout=60)
    return out.stdout.strip()


@pytest.mark.skipif(not shutil.which("zbarimg"), reason="zbar-tools not installed")
@SHARED
def test_the_enrolment_qr_code_reads_back_as_the_otpauth_uri(desk_u, tmp_path):
    e = enrolment(desk_u, add_officer(desk_u, "auditor"))
    rows = e["qr"]
    assert len(rows) >= 21 and all(len(r) == len(rows) and set(r) <= {"0", "1"} for r in rows)
    assert qr_text(rows, tmp_path) == e["otpauth_uri"]


def with_code(login, code):
    return {"login": login, "password": OFFICER_PASSWORD, "code": code}


@SHARED
def test_first_log_in_enrols_the_authenticator_with_a_code(desk_u):
    login = add_officer(desk_u, "inspector")
    e = enrolment(desk_u, login)
    assert e["otpauth_uri"] == (f"otpauth://totp/uchet:{login}?secret={e['secret']}"
                                "&issuer=uchet&algorithm=SHA1&digits=6&period=30")
    step = clock_step(desk_u)
    wrong = f"{(int(totp_code(e['secret'], step)) + 1) % 1_000_000:06d}"
    r = desk_u.http.post("/api/v1/desk/session/totp", json={"enrolment_token": e["enrolment_token"], "code": wrong})
    assert r.status_code == 401 and r.json()["code"] == "bad_code"
    r = desk_u.http.post("/api/v1/desk/session/totp",
                        json={"enrolment_token": e["enrolment_token"], "code": totp_code(e["secret"], step)})
    assert r.status_code == 401 and r.json()["code"] == "unauthorized", "a wrong first code ends that enrolment"
    e2 = enrolment(desk_u, login)
    assert e2["secret"] != e["secret"], "a new log-in gives a new secret"
    r = desk_u.http.post("/api/v1/desk/session/totp",
                        json={"enrolment_token": e2["enrolment_token"], "code": totp_code(e2["secret"], step)})
    assert r.status_code == 201, r.text
    codes = r.json()["recovery_codes"]
    assert r.json()["role"] == "inspector" and len(set(codes)) == 10
    hexed = "encode(code_hash, 'hex')" if BACKEND == "postgres" else "lower(hex(code_hash))"
    oid = officer_id(desk_u, login)
    stored = {h for (h,) in desk_u.db.query(f"SELECT {hexed} FROM officer_recovery_codes WHERE officer_id = {oid}")}
    assert stored == {hashlib.sha256(c.encode()).hexdigest() for c in codes}, "kept only as SHA-256"
    # now the password alone is not enough
    r = desk_u.http.post("/api/v1/desk/session", json={"login": login, "password": OFFICER_PASSWORD})
    assert r.status_code == 401 and r.json()["code"] == "totp_required"
    actions = [a for (a,) in desk_u.db.query(f"SELECT action FROM audit WHERE actor = 'officer:{oid}' ORDER BY seq")]
    assert actions == ["officer.totp_enrolment_started", "officer.totp_enrolment_failed",
                       "officer.totp_enrolment_started", "officer.totp_enrolled", "officer.session_created"]


def test_codes_of_the_previous_and_next_step_are_accepted_older_refused_never_twice(uchet):
    login = add_officer(uchet, "registrar")
    desk_enrol(uchet, login)                      # used the code of step `now`
    secret, now = AUTHENTICATORS[(uchet.db_url, login)]["secret"], clock_step(uchet)
    post = lambda code: uchet.http.post("/api/v1/desk/session", json=with_code(login, code))
    assert post(totp_code(secret, now)).status_code == 401, "the enrolment's code is spent"
    assert post(totp_code(secret, now - 2)).json()["code"] == "bad_credentials", "two steps old"
    assert post(totp_code(secret, now + 2)).status_code == 401, "two steps ahead"
    assert post(totp_code(secret, now + 1)).status_code == 201, "the next step (a fast clock)"
    assert post(totp_code(secret, now + 1)).status_code == 401, "never twice"
    uchet.set_clock("2025-10-31T10:01:30+03:00")   # three steps on: now+3
    assert post(totp_code(secret, now + 2)).status_code == 201, "the previous step (a slow typist)"
    assert post(totp_code(secret, now + 1)).status_code == 401, "older than the last one used"
    assert post(totp_code(secret, now + 3)).status_code == 201
    assert uchet.db.scalar(f"SELECT totp_last_step FROM officers WHERE login = '{login}'") == now + 3


@SHARED
def test_recovery_codes_work_once_each(desk_u):
    login = add_officer(desk_u, "auditor")
    _, first = desk_enrol(desk_u, login)
    codes = first["recovery_codes"]
    body = {"login": login, "password": OFFICER_PASSWORD, "recovery_code": codes[3].lower().replace("-", " ")}
    r = desk_u.http.post("/api/v1/desk/session", json=body)
    assert r.status_code == 201 and r.json()["recovery_codes_left"] == 9
    r = desk_u.http.post("/api/v1/desk/session", json=body)
    assert r.status_code == 401 and r.json()["code"] == "bad_credentials"


def test_wrong_codes_count_in_the_log_in_limits_and_lock_with_retry_after(uchet):
    login = add_officer(uchet, "inspector")
    desk_enrol(uchet, login)
    secret, now = AUTHENTICATORS[(uchet.db_url, login)]["secret"], clock_step(uchet)
    bad = f"{(int(totp_code(secret, now + 1)) + 5) % 1_000_000:06d}"
    for _ in range(5):
        r = uchet.http.post("/api/v1/desk/session", json=with_code(login, bad))
        assert r.status_code == 401 and r.json()["code"] == "bad_credentials"
    r = uchet.http.post("/api/v1/desk/session", json=with_code(login, totp_code(secret, now + 1)))
    assert r.status_code == 429 and int(r.headers["retry-after"]) > 0, "locked even with the right code"
    uchet.set_clock("2025-10-31T10:16:00+03:00")
    assert desk_login(uchet, login)


def test_desk_sessions_end_after_15_idle_minutes_and_at_the_cap(uchet):
    number, _ = uchet.new_user()
    login = add_officer(uchet, "inspector")
    desk = desk_login(uchet, login)
    for t in ["10:14:00", "10:28:00", "10:42:59"]:     # each request slides the limit
        uchet.set_clock(f"2025-10-31T{t}+03:00")
        assert lookup(uchet, desk, number).status_code == 200, t
    uchet.set_clock("2025-10-31T10:58:00+03:00")
    r = lookup(uchet, desk, number)
    assert r.status_code == 401 and r.json()["code"] == "unauthorized"
    # the absolute cap: 12 hours from the log-in at 10:58, however busy
    desk = desk_login(uchet, login)
    for hour in range(11, 23):
        for minute in (0, 12, 24, 36, 48):
            uchet.set_clock(f"2025-10-31T{hour:02d}:{minute:02d}:00+03:00")
            assert lookup(uchet, desk, number).status_code == 200, (hour, minute)
    uchet.set_clock("2025-10-31T22:58:00+03:00")             # 10 minutes after the last request
    assert lookup(uchet, desk, number).status_code == 401


@SHARED
def test_uchetctl_officer_disable_reset_list(desk_u):
    login = add_officer(desk_u, "registrar")
    other = add_officer(desk_u, "supervisor")
    listed = {l.split("\t")[1]: l.split("\t") for l in desk_u.ctl("officer", "list").stdout.splitlines()}
    assert listed[login][2:] == ["registrar", "not enrolled", f"Officer {login}"]
    assert listed[other][2] == "supervisor"
    desk = desk_login(desk_u, login)
    listed = {l.split("\t")[1]: l.split("\t") for l in desk_u.ctl("officer", "list").stdout.splitlines()}
    assert (listed[login][3], listed[other][3]) == ("active", "not enrolled"), "only the one logged in is active"
    # reset: a new password, the authenticator enrolled again, sessions end
    r = desk_u.ctl("officer", "reset", login, "--reason", "lost phone, ticket 4411")
    password = r.stdout.strip().splitlines()[-1]
    assert "shown once" in r.stdout and len(password) == 29
    assert desk_u.http.get("/api/v1/desk/appeals", headers=desk).status_code == 401, "sessions ended"
    old = desk_u.http.post("/api/v1/desk/session", json={"login": login, "password": OFFICER_PASSWORD})
    assert old.status_code == 401
    del AUTHENTICATORS[(desk_u.db_url, login)]
    desk = desk_login(desk_u, login, password)                 # enrols a new authenticator
    # disable: no log-in, sessions end, twice is an error
    r = desk_u.ctl("officer", "disable", login)
    assert "disabled" in r.stdout
    assert desk_u.http.get("/api/v1/desk/appeals", headers=desk).status_code == 401
    r = desk_u.http.post("/api/v1/desk/session", json=desk_credentials(desk_u, login, password))
    assert r.status_code == 401 and r.json()["code"] == "officer_disabled"
    again = desk_u.ctl("officer", "disable", login, check=False)
    assert again.returncode == 1 and "already disabled" in again.stderr
    assert desk_u.ctl("officer", "disable", "nobody", check=False).returncode == 1
    events = desk_u.db.query("SELECT actor, action, detail FROM audit WHERE action IN ('officer.reset', 'officer.disabled')"
                             f" AND subject = 'officer:{officer_id(desk_u, login)}' ORDER BY seq")
    assert [(a, b) for a, b, _ in events] == [("operator", "officer.reset"), ("operator", "officer.disabled")]
    assert json.loads(events[0][2])["reason"] == "lost phone, ticket 4411"


def test_the_inactivity_limit_is_configurable(uchet_factory, monkeypatch):
    monkeypatch.setenv("UCHET_DESK_IDLE_SECONDS", "120")
    u = uchet_factory().start()
    number, _ = u.new_user()
    login = add_officer(u, "inspector")
    _, answer = desk_enrol(u, login)
    assert answer["idle_timeout_s"] == 120
    desk = {"Authorization": f"Bearer {answer['token']}"}
    u.set_clock("2025-10-31T10:01:59+03:00")
    assert lookup(u, desk, number).status_code == 200
    u.set_clock("2025-10-31T10:04:00+03:00")
    assert lookup(u, desk, number).status_code == 401
