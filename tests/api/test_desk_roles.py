"""The role x desk endpoint matrix (issue 15, product rule 14). The cells come
from api/openapi.json: every desk operation declares `x-roles` (the roles
that may call it, or "public" for the log-in steps that take no token), and
the desk routes come from src/api/router.c, so a new desk endpoint without a
declared role fails here. Each forbidden cell must answer 403 problem+json
with code role_forbidden and change nothing (every change is an audit event,
so the audit log's length is the witness, with the tables the cells touch)."""
import base64
import json
import os
import re

import pytest

from conftest import add_officer, desk_login, officer

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
ROLES = ["registrar", "inspector", "auditor", "supervisor"]
DESK = "/api/v1/desk/"


def openapi_desk_operations():
    spec = json.load(open(os.path.join(REPO, "api", "openapi.json")))
    return {(m.upper(), p): op for p, ops in spec["paths"].items() if p.startswith(DESK)
            for m, op in ops.items()}


def router_desk_routes():
    src = open(os.path.join(REPO, "src", "api", "router.c")).read()
    return set(re.findall(r'\{"([A-Z]+)", "(/api/v1/desk/[^"]*)"', src))


# One request per desk operation that a role may or may not make: the path
# filled in and a body that passes validation, so that only the role decides.
def sample(uchet, number, target):
    return {
        ("GET", "/api/v1/desk/officers"): ("/api/v1/desk/officers", None),
        ("POST", "/api/v1/desk/audit/lookups"): (
            "/api/v1/desk/audit/lookups", {"from": "2025-10-01T00:00:00+03:00", "to": "2025-12-01T00:00:00+03:00"}),
        ("POST", "/api/v1/desk/audit/verify"): ("/api/v1/desk/audit/verify", {}),
        ("POST", "/api/v1/desk/audit/person-events"): (
            "/api/v1/desk/audit/person-events",
            {"document_kind": "card", "document_number": number, "reason": "audit 2025/31"}),
        ("POST", "/api/v1/desk/audit/officer-activity"): (
            "/api/v1/desk/audit/officer-activity",
            {"officer_login": "nobody-here", "from": "2025-10-01T00:00:00+03:00", "to": "2025-12-01T00:00:00+03:00"}),
        ("POST", "/api/v1/desk/officers"): (
            "/api/v1/desk/officers", {"login": "new-one", "name": "New One", "role": "inspector",
                                      "reason": "staff order 2025/88"}),
        ("POST", "/api/v1/desk/officers/{id}/disable"): (
            f"/api/v1/desk/officers/{target}/disable", {"reason": "left the service, order 2025/90"}),
        ("POST", "/api/v1/desk/officers/{id}/reset"): (
            f"/api/v1/desk/officers/{target}/reset", {"reason": "lost the phone, ticket 4471"}),
        ("POST", "/api/v1/desk/person-lookups"): (
            "/api/v1/desk/person-lookups",
            {"document_kind": "card", "document_number": number, "reason": "case 15/2025"}),
        ("GET", "/api/v1/desk/appeals"): ("/api/v1/desk/appeals", None),
        ("POST", "/api/v1/desk/appeals/{id}/decision"): (
            "/api/v1/desk/appeals/999999/decision", {"grant": False, "reason": "no grounds for it"}),
        ("DELETE", "/api/v1/desk/session"): ("/api/v1/desk/session", None),
        ("POST", "/api/v1/desk/activation-codes"): (
            "/api/v1/desk/activation-codes",
            {"document_kind": "card", "document_number": number, "reason": "forgot the password, card 15 checked"}),
        ("GET", "/api/v1/desk/enrolments"): ("/api/v1/desk/enrolments", None),
        ("GET", "/api/v1/desk/enrolments/{receipt}"): (f"/api/v1/desk/enrolments/{RECEIPT}", None),
        ("POST", "/api/v1/desk/enrolments/{receipt}/claim"): (f"/api/v1/desk/enrolments/{RECEIPT}/claim", None),
        ("GET", "/api/v1/desk/enrolments/{receipt}/images/{kind}"): (
            f"/api/v1/desk/enrolments/{RECEIPT}/images/face", None),
        ("POST", "/api/v1/desk/enrolments/{receipt}/approve"): (f"/api/v1/desk/enrolments/{RECEIPT}/approve", {}),
        ("POST", "/api/v1/desk/enrolments/{receipt}/return"): (
            f"/api/v1/desk/enrolments/{RECEIPT}/return", {"reason": "the photo is blurred, come again"}),
        ("GET", "/api/v1/desk/enrolments/{receipt}/letter.pdf"): (f"/api/v1/desk/enrolments/{RECEIPT}/letter.pdf", None),
        ("GET", "/api/v1/desk/document-sets"): ("/api/v1/desk/document-sets", None),
        ("POST", "/api/v1/desk/document-sets/{id}/decision"): (
            "/api/v1/desk/document-sets/999999/decision", {"decision": "returned", "reason": "page 2 unreadable"}),
    }


def luhn_complete(digits):
    """digits plus the Luhn check digit (receipts carry one)."""
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = int(ch) * (2 if i % 2 == 0 else 1)
        total += d - 9 if d > 9 else d
    return digits + str((10 - total % 10) % 10)


RECEIPT = luhn_complete("12345678901")   # well-formed, held by no enrolment


def test_every_desk_route_is_documented_with_its_roles():
    ops = openapi_desk_operations()
    routes = router_desk_routes()
    assert routes, "no desk routes found in router.c"
    assert routes == set(ops), "router.c and openapi.json list different desk operations"
    for key, op in ops.items():
        roles = op.get("x-roles")
        assert roles == "public" or (isinstance(roles, list) and roles and set(roles) <= set(ROLES)), \
            f"{key} declares no roles (x-roles)"
        if roles != "public":
            assert "403" in op["responses"], f"{key}: 403 role_forbidden not documented"


def snapshot(uchet):
    # two queries (each a psql process on PostgreSQL), not five: the matrix takes hundreds
    counts = uchet.db.query("SELECT (SELECT COUNT(*) FROM audit), (SELECT COUNT(*) FROM officer_reads),"
                            " (SELECT COUNT(*) FROM appeals WHERE status <> 'pending'),"
                            " (SELECT COUNT(*) FROM officers)")
    return (counts, uchet.db.query("SELECT login, password_hash, disabled_at FROM officers ORDER BY id"))


@pytest.fixture
def with_docsets(uchet_factory, tmp_path, monkeypatch):
    """A server with the document-set and kiosk APIs on (else they answer 503
    to every role, before any role is asked)."""
    key = tmp_path / "docset.key"
    u = uchet_factory()
    u.ctl("keys", "enrolment-init", "--key-file", str(key))
    trust = tmp_path / "sbi-trust"
    trust.mkdir()
    (trust / "device.pub").write_text(base64.urlsafe_b64encode(os.urandom(32)).decode().rstrip("=") + "\n")
    monkeypatch.setenv("UCHET_DOCSET_KEY_FILE", str(key))
    monkeypatch.setenv("UCHET_ENROLMENT_DIR", str(tmp_path / "enrolments"))
    monkeypatch.setenv("UCHET_ENROLMENT_KEY_FILE", str(key))
    monkeypatch.setenv("UCHET_SBI_TRUST_DIR", str(trust))
    return u.start()


def test_role_by_endpoint_matrix(with_docsets):
    uchet = with_docsets
    number, _ = uchet.new_user()
    target = add_officer(uchet, "inspector")
    samples = sample(uchet, number, uchet.db.scalar(f"SELECT id FROM officers WHERE login = '{target}'"))
    ops = {k: op for k, op in openapi_desk_operations().items() if op["x-roles"] != "public"}
    missing = set(ops) - set(samples)
    assert not missing, f"add a sample request for {missing}"
    # log-out last: it ends the session the other cells use
    order = sorted(ops, key=lambda k: k == ("DELETE", "/api/v1/desk/session"))
    cells = 0
    for role in ROLES:
        headers = officer(uchet, role)
        for key in order:
            path, body = samples[key]
            allowed = role in ops[key]["x-roles"]
            before = None if allowed else snapshot(uchet)   # only a refusal must leave it unchanged
            r = uchet.http.request(key[0], path, headers=headers, json=body)
            if allowed:
                assert r.status_code != 403, f"{role} {key}: {r.text}"
                assert r.status_code < 500 and r.status_code != 401, f"{role} {key}: {r.text}"
            else:
                assert r.status_code == 403, f"{role} {key}: {r.status_code} {r.text}"
                assert r.headers["content-type"].startswith("application/problem+json")
                assert r.json()["code"] == "role_forbidden", f"{role} {key}"
                assert snapshot(uchet) == before, f"{role} {key}: a forbidden call changed something"
            cells += 1
    assert cells == len(ROLES) * len(ops)


# One uchetd for the tests that keep the start clock and look only at the
# officers and persons they made (each its own, with its own login; the one
# fixed login, olga.s, is made by one test only; the audit rows they read are
# those of their officers): an ASan start per test was most of their time.
# The matrix starts a server with other settings (document sets and kiosks
# on) and compares whole tables: it keeps its own. Marked xdist_group: one
# worker runs them all (see conftest's pytest_configure).
SHARED = pytest.mark.xdist_group("desk_roles")


@pytest.fixture(scope="module")
def roles_u(module_uchet_factory):
    return module_uchet_factory().start()


def officer_id(uchet, login):
    return uchet.db.scalar(f"SELECT id FROM officers WHERE login = '{login}'")


@SHARED
def test_a_supervisor_adds_an_officer_who_enrols_and_logs_in(roles_u):
    uchet = roles_u
    sup_login = add_officer(uchet, "supervisor")
    sup = desk_login(uchet, sup_login)
    r = uchet.http.post("/api/v1/desk/officers", headers=sup,
                        json={"login": "olga.s", "name": "Olga Smirnova", "role": "inspector",
                              "reason": "staff order 2025/88"})
    assert r.status_code == 201, r.text
    password, new_id = r.json()["password"], r.json()["id"]
    assert desk_login(uchet, "olga.s", password)
    listed = uchet.http.get("/api/v1/desk/officers", headers=sup).json()["items"]
    assert {"login": "olga.s", "role": "inspector", "enrolled": True, "disabled_at": None}.items() <= \
        next(o for o in listed if o["id"] == new_id).items()
    again = uchet.http.post("/api/v1/desk/officers", headers=sup,
                            json={"login": "olga.s", "name": "X", "role": "auditor", "reason": "staff order 2025/89"})
    assert again.status_code == 409 and again.json()["code"] == "officer_exists"
    no_reason = uchet.http.post("/api/v1/desk/officers", headers=sup,
                                json={"login": "p", "name": "P", "role": "auditor", "reason": "..."})
    assert no_reason.status_code == 400 and no_reason.json()["code"] == "invalid_reason"
    [(actor, detail)] = uchet.db.query("SELECT actor, detail FROM audit WHERE action = 'officer.created'"
                                       f" AND subject = 'officer:{new_id}'")
    sup_id = officer_id(uchet, sup_login)
    assert actor == f"officer:{sup_id}"
    assert json.loads(detail) == {"login": "olga.s", "new_role": "inspector", "reason": "staff order 2025/88",
                                  "role": "supervisor"}


@SHARED
def test_a_supervisor_disables_and_resets_others_but_not_themselves(roles_u):
    uchet = roles_u
    sup_login = add_officer(uchet, "supervisor")
    sup = desk_login(uchet, sup_login)
    me = officer_id(uchet, sup_login)
    login = add_officer(uchet, "registrar")
    them = officer_id(uchet, login)
    desk = desk_login(uchet, login)
    reason = {"reason": "lost the phone, ticket 4471"}
    for verb in ("disable", "reset"):
        r = uchet.http.post(f"/api/v1/desk/officers/{me}/{verb}", headers=sup, json=reason)
        assert r.status_code == 403 and r.json()["code"] == "not_yourself"
    r = uchet.http.post(f"/api/v1/desk/officers/{them}/reset", headers=sup, json=reason)
    assert r.status_code == 200 and len(r.json()["password"]) == 29
    assert uchet.http.get("/api/v1/desk/appeals", headers=desk).status_code == 401, "the reset ended the session"
    r = uchet.http.post("/api/v1/desk/session", json={"login": login, "password": r.json()["password"]})
    assert r.status_code == 202, "a reset officer enrols the authenticator again"
    assert uchet.http.post(f"/api/v1/desk/officers/{them}/disable", headers=sup, json=reason).status_code == 200
    r = uchet.http.post(f"/api/v1/desk/officers/{them}/disable", headers=sup, json=reason)
    assert r.status_code == 409 and r.json()["code"] == "officer_disabled"
    assert uchet.http.post("/api/v1/desk/officers/999999/disable", headers=sup, json=reason).status_code == 404
    actions = uchet.db.query(f"SELECT action, detail FROM audit WHERE subject = 'officer:{them}'"
                             " AND action IN ('officer.reset', 'officer.disabled') ORDER BY seq")
    assert [a for a, _ in actions] == ["officer.reset", "officer.disabled"]
    assert all(json.loads(d)["reason"] == reason["reason"] and json.loads(d)["role"] == "supervisor"
               for _, d in actions)


@SHARED
def test_an_auditor_lists_the_look_ups_with_their_reasons(roles_u):
    uchet = roles_u
    number, _ = uchet.new_user()
    insp_login = add_officer(uchet, "inspector")
    insp = desk_login(uchet, insp_login)
    body = {"document_kind": "card", "document_number": number, "reason": "case 2025/117, check"}
    assert uchet.http.post("/api/v1/desk/person-lookups", headers=insp, json=body).status_code == 200
    aud_login = add_officer(uchet, "auditor")
    aud = desk_login(uchet, aud_login)
    period = {"from": "2025-10-31T00:00:00+03:00", "to": "2025-11-01T00:00:00+03:00"}
    r = uchet.http.post("/api/v1/desk/audit/lookups", headers=aud, json=period)
    assert r.status_code == 200, r.text
    # the look-ups of this test's two officers: the inspector's one, none of the auditor's
    [row] = [i for i in r.json()["items"] if i["officer_login"] in (insp_login, aud_login)]
    assert (row["officer_role"], row["reason"], row["at"]) == ("inspector", "case 2025/117, check", "2025-10-31T07:00:00Z")
    assert row["officer_login"] == insp_login and number not in json.dumps(r.json())
    earlier = {"from": "2025-10-30T00:00:00+03:00", "to": "2025-10-31T00:00:00+03:00"}
    assert uchet.http.post("/api/v1/desk/audit/lookups", headers=aud, json=earlier).json()["items"] == []
    bad = uchet.http.post("/api/v1/desk/audit/lookups", headers=aud, json={"from": period["to"], "to": period["from"]})
    assert bad.status_code == 400 and bad.json()["code"] == "invalid_period"
    assert uchet.db.scalar("SELECT COUNT(*) FROM audit WHERE action = 'audit.lookups_read'"
                           f" AND actor = 'officer:{officer_id(uchet, aud_login)}'") == 2, "the auditor's looks"
