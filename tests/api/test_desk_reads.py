"""The officers' reads at the desk (issue 18): each is one statement, the
officer's session and role checked in it. What the desk is answered must not
change with that, and neither must the refusals: an unknown, idle or ended
desk session, a disabled officer and a person's token get 401
`unauthorized`, another role 403 `role_forbidden`, and none of them a byte
of the data. Both backends; tests/api/test_pg.py counts the round trips."""
import pytest

from conftest import add_officer, desk_login, officer
from test_desk_roles import luhn_complete  # receipts carry a Luhn check digit

NOW = 1761894000           # conftest.START_CLOCK, 2025-10-31T10:00:00+03:00
DOC = "FA1234567"          # the seeded enrolment's passport number
PROBLEM = {"type", "title", "status", "code", "detail"}


RECEIPTS = {k: luhn_complete(d) for k, d in
            {"a": "40000000001", "b": "40000000002", "c": "40000000003", "d": "40000000004",
             "missing": "40000000005"}.items()}


def _enrolment(u, receipt, state, created, doc, names):
    surname, given, birth = names
    u.db.query("INSERT INTO enrolments (receipt, state, kiosk_id, created_at, file_name, surname, given_names,"
               " surname_latin, given_latin, birth_date, sex, citizenship, document_number, document_expiry)"
               f" SELECT '{receipt}', '{state}', MIN(id), {created}, 'e-{receipt}.an2', '{surname}', '{given}',"
               f" '{surname}', '{given}', '{birth}', 'M', 'TJK', '{doc}', '2030-01-01' FROM kiosks")


def seed_desk(u):
    """What the desk reads answer with: a pending and a granted appeal, and
    enrolments where A has a duplicate of each kind (a person with its
    passport, a person with its names and birth date, B with its number,
    D with its names; C has its number too but was returned). Returns the
    desk reads' paths (DESK_READS) filled in."""
    _, t1 = u.new_user(passport=DOC)       # RAHIMOV FARRUKH 1995-04-12, passport DOC
    _, t2 = u.new_user()
    regs = [u.register(t1)["id"], u.register(t2)["id"]]
    u.db.query("INSERT INTO appeals (registration_id, person_id, reason, filed_at)"
               f" SELECT id, person_id, 'the phone broke', {NOW - 60} FROM registrations WHERE id = {regs[0]}")
    u.db.query("INSERT INTO appeals (registration_id, person_id, reason, filed_at, status, decided_at,"
               " decision_reason) SELECT id, person_id, 'in hospital', "
               f"{NOW - 90}, 'granted', {NOW - 30}, 'a doctor''s note' FROM registrations WHERE id = {regs[1]}")
    u.ctl("kiosk", "add", "Hall A")
    person = ("RAHIMOV", "FARRUKH", "1995-04-12")
    _enrolment(u, RECEIPTS["a"], "pending", NOW - 300, DOC, person)
    _enrolment(u, RECEIPTS["b"], "pending", NOW - 200, DOC, ("KARIMOV", "AZIZ", "1990-02-03"))
    _enrolment(u, RECEIPTS["c"], "returned", NOW - 150, DOC, ("NAZAROV", "ALI", "1991-05-06"))
    _enrolment(u, RECEIPTS["d"], "approved", NOW - 100, "FB7654321", person)
    return [path.format(**RECEIPTS) for path in DESK_READS]


# Every GET of the desk that the event loop reads (READ lane), as
# tests/api/test_pg.py counts them. Not here: GET /desk/officers (a
# supervisor's read: test_pg.py counts it with the supervisor), the images and the
# activation letter (each view or printing is written down: the slow lane),
# GET /desk/document-sets (it needs a server with document sets on: test_pg.py
# counts it in test_the_document_set_queue_is_one_round_trip).
DESK_READS = ["/api/v1/desk/appeals", "/api/v1/desk/appeals?status=granted", "/api/v1/desk/enrolments",
              "/api/v1/desk/enrolments?state=approved", "/api/v1/desk/enrolments?state=returned",
              "/api/v1/desk/enrolments/{a}", "/api/v1/desk/enrolments/{missing}"]


def _is_problem(r, status, code):
    assert r.status_code == status, (r.request.url, r.status_code, r.text)
    assert r.headers["content-type"].startswith("application/problem+json")
    body = r.json()
    assert body["code"] == code and set(body) <= PROBLEM, (r.request.url, body)   # no data beside the problem


# One uchetd, seeded once, for the two tests that keep the start clock: an
# ASan start and a seeding per test were most of their time. The desk's reads
# are whole lists (every appeal, every enrolment), so the seed is the only
# thing on this server they read; besides their own officers, the one write
# is the first test's claim of enrolment A, and the second reads nothing a
# claim changes (it is answered 401 and 403 problems, no data), so either may
# run first. The idle-session test moves the clock and keeps a server of its
# own. Marked xdist_group: one worker runs them all (see conftest's
# pytest_configure).
SHARED = pytest.mark.xdist_group("desk_reads")


@pytest.fixture(scope="module")
def seeded(module_uchet_factory):
    u = module_uchet_factory().start()
    return u, seed_desk(u)


@SHARED
def test_the_desk_reads_answer_what_they_read(seeded):
    uchet, _ = seeded
    reg = officer(uchet, "registrar")
    get = lambda path: uchet.http.get(path, headers=reg)   # noqa: E731
    r = get("/api/v1/desk/appeals")
    assert r.status_code == 200 and [a["reason"] for a in r.json()["items"]] == ["the phone broke"], r.text
    r = get("/api/v1/desk/appeals?status=granted")
    assert [(a["reason"], a["status"]) for a in r.json()["items"]] == [("in hospital", "granted")], r.text
    assert get("/api/v1/desk/appeals?status=refused").json() == {"items": []}
    queue = get("/api/v1/desk/enrolments").json()["items"]
    assert [(e["receipt"], e["state"], e["claim"]) for e in queue] == [
        (RECEIPTS["a"], "pending", "none"), (RECEIPTS["b"], "pending", "none")]
    assert queue[0]["surname_latin"] == "RAHIMOV" and queue[0]["birth_date"] == "1995-04-12"
    for state, key in (("approved", "d"), ("returned", "c")):
        items = get(f"/api/v1/desk/enrolments?state={state}").json()["items"]
        assert [e["receipt"] for e in items] == [RECEIPTS[key]], state
    r = get(f"/api/v1/desk/enrolments/{RECEIPTS['a']}")
    assert r.status_code == 200, r.text
    a = r.json()
    assert a["receipt"] == RECEIPTS["a"] and a["state"] == "pending" and a["claim"] == "none"
    assert a["details"]["document_number"] == DOC and a["details"]["surname_latin"] == "RAHIMOV"
    assert a["duplicates"] == [
        {"kind": "person", "match": "document_number"},
        {"kind": "person", "match": "names_birth_date"},
        {"kind": "enrolment", "match": "document_number", "receipt": RECEIPTS["b"], "state": "pending"},
        {"kind": "enrolment", "match": "names_birth_date", "receipt": RECEIPTS["d"], "state": "approved"}]
    b = get(f"/api/v1/desk/enrolments/{RECEIPTS['b']}").json()
    assert b["duplicates"] == [{"kind": "person", "match": "document_number"},
                               {"kind": "enrolment", "match": "document_number", "receipt": RECEIPTS["a"],
                                "state": "pending"}]
    _is_problem(get(f"/api/v1/desk/enrolments/{RECEIPTS['missing']}"), 404, "enrolment_not_found")
    # a claim shows as mine to its registrar, as another's to the next
    assert uchet.http.post(f"/api/v1/desk/enrolments/{RECEIPTS['a']}/claim", headers=reg).status_code == 200
    assert get(f"/api/v1/desk/enrolments/{RECEIPTS['a']}").json()["claim"] == "mine"
    other = officer(uchet, "registrar")
    assert uchet.http.get("/api/v1/desk/enrolments", headers=other).json()["items"][0]["claim"] == "other"


@SHARED
def test_refused_desk_reads_answer_401_or_403_and_no_data(seeded):
    uchet, paths = seeded
    _, person = uchet.new_user()
    for role in ("inspector", "auditor", "supervisor"):
        desk = officer(uchet, role)
        for path in paths:
            _is_problem(uchet.http.get(path, headers=desk), 403, "role_forbidden")
    strangers = [{"Authorization": "Bearer " + "0" * 43}, uchet.auth(person)]
    for hdr in strangers:
        for path in paths:
            _is_problem(uchet.http.get(path, headers=hdr), 401, "unauthorized")
    # a disabled officer's session ends at once, whatever the role
    login = add_officer(uchet, "registrar")
    desk = desk_login(uchet, login)
    assert uchet.http.get(paths[0], headers=desk).status_code == 200
    uchet.ctl("officer", "disable", login)
    for path in paths:
        _is_problem(uchet.http.get(path, headers=desk), 401, "unauthorized")
    # logged out
    desk = officer(uchet, "registrar")
    assert uchet.http.delete("/api/v1/desk/session", headers=desk).status_code == 204
    for path in paths:
        _is_problem(uchet.http.get(path, headers=desk), 401, "unauthorized")


def test_an_idle_desk_session_is_refused_by_every_read(uchet):
    paths = seed_desk(uchet)
    reg, insp = officer(uchet, "registrar"), officer(uchet, "inspector")
    for path in paths:
        assert uchet.http.get(path, headers=reg).status_code in (200, 404), path
    uchet.set_clock("2025-10-31T10:16:00+03:00")      # 16 minutes untouched: past the 15 idle minutes
    for path in paths:
        _is_problem(uchet.http.get(path, headers=reg), 401, "unauthorized")
        _is_problem(uchet.http.get(path, headers=insp), 401, "unauthorized")   # 401 before the role
