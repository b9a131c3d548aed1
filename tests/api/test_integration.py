"""Leaving via other systems (product rule 10): a system with an API key reports
that a person registered in a region outside the regime; that ends the active
registration with `registered_elsewhere`. The door only pushes."""
import json
import os
import uuid

import pytest

PATH = "/api/v1/integration/registrations"


def new_key(uchet, name="mvd-region-16"):
    out = uchet.ctl("apikey", "add", "--name", name).stdout.strip().splitlines()
    assert "shown once" in out[-2]
    key_id = int(out[-2].split()[2])
    return key_id, out[-1]


def report(uchet, key, number, region="16", kind="card", scheme="ApiKey"):
    headers = {"Authorization": f"{scheme} {key}"} if key else {}
    return uchet.http.post(PATH, headers=headers,
                           json={"document_kind": kind, "document_number": number, "region": region})


# One uchetd for the module (each test reports its own person, reads that
# person's registration and notices and the audit rows its report wrote; none
# moves the clock): an ASan start per test was most of their time. One key
# serves the tests that only use a key; the tests of a key itself (its hash,
# its revocation) make their own. Marked xdist_group: one worker runs them
# all (see conftest's pytest_configure).
SHARED = pytest.mark.xdist_group("integration")


@pytest.fixture(scope="module")
def integ(module_uchet_factory):
    return module_uchet_factory().start()


@pytest.fixture(scope="module")
def module_key(integ):
    """(id, key) of the key the reporting tests use."""
    return new_key(integ)


@pytest.fixture(scope="module")
def registered(integ):
    """(number, token) of a person registered in Moscow, for the refused
    reports below: none of them changes the registration (each test checks
    it is still active after its report)."""
    number, token = integ.new_user()
    integ.register(token)
    return number, token


def person_notices(uchet, token):
    pid = uchet.me(token)["person"]["id"]
    return [(k, json.loads(p)) for k, p in
            uchet.db.query(f"SELECT kind, params FROM notices WHERE person_id = {pid} ORDER BY id")]


@SHARED
def test_report_ends_the_registration_once(integ, module_key):
    key_id, key = module_key
    number, token = integ.new_user()
    reg = integ.register(token)
    r = report(integ, key, number)
    assert r.status_code == 200 and r.json() == {"status": "ended"}
    me = integ.me(token)
    assert me["registration"] is None
    assert me["last_registration"]["id"] == reg["id"]
    assert me["last_registration"]["end_reason"] == "registered_elsewhere"
    assert person_notices(integ, token) == [("registered_elsewhere", {"region": "16"})]
    audit_rows = integ.db.scalar("SELECT COUNT(*) FROM audit")
    again = report(integ, key, number)
    assert again.status_code == 200 and again.json() == {"status": "already_ended"}
    assert integ.db.scalar("SELECT COUNT(*) FROM audit") == audit_rows, "a repeated report writes nothing"
    assert len(person_notices(integ, token)) == 1
    pid = integ.me(token)["person"]["id"]
    actors = integ.db.query("SELECT actor, action FROM audit WHERE action LIKE 'registration.%'"
                            f" AND subject = 'person:{pid}' ORDER BY seq")
    assert (f"apikey:{key_id}", "registration.ended") in actors and (f"apikey:{key_id}", "registration.reported_elsewhere") in actors
    assert integ.ctl("audit", "verify").stdout.startswith("intact")


@SHARED
def test_the_answer_carries_nothing_about_the_person(integ, module_key):
    _, key = module_key
    number, token = integ.new_user()
    integ.register(token)
    r = report(integ, key, number)
    assert set(r.json()) == {"status"}
    for leak in ("RAHIMOV", "Tverskaya", "77", number):
        assert leak not in r.text


@SHARED
def test_person_registers_again_on_return(integ, module_key):
    _, key = module_key
    number, token = integ.new_user()
    integ.register(token)
    report(integ, key, number)
    assert integ.register(token)["status"] == "active"
    assert report(integ, key, number).json() == {"status": "ended"}, "a new move ends the new registration"


@SHARED
def test_regime_region_is_refused(integ, module_key):
    _, key = module_key
    number, token = integ.new_user()
    integ.register(token)
    for region in ("77", "50"):
        r = report(integ, key, number, region=region)
        assert r.status_code == 422 and r.json()["code"] == "region_in_regime"
    assert integ.me(token)["registration"]["status"] == "active"


@SHARED
def test_unknown_document_gets_the_same_answer(integ, module_key):
    """Issue 12: the answer does not tell whether uchet knows a document."""
    _, key = module_key
    unknown = report(integ, key, "0000000001")
    number, token = integ.new_user(passport="P7654321")
    assert report(integ, key, number).json() == {"status": "already_ended"}, "known, nothing active"
    assert unknown.status_code == 200 and unknown.json() == {"status": "already_ended"}
    integ.register(token)
    assert report(integ, key, number, kind="passport").json() == {"status": "already_ended"}, \
        "the card number is not a passport number"
    assert report(integ, key, "P7654321", kind="passport").json() == {"status": "ended"}


@pytest.mark.parametrize("region", ["077", "050", "7", "zz", "ZZ", "XYZ123", "00", "80", "99", "7 7", "７７", "-77"])
@SHARED
def test_odd_region_codes_are_refused(integ, module_key, registered, region):
    _, key = module_key
    number, token = registered
    r = report(integ, key, number, region=region)
    assert r.status_code == 400 and r.json()["code"] == "invalid_region", (region, r.text)
    assert integ.me(token)["registration"]["status"] == "active"


@SHARED
def test_a_key_is_needed_and_kept_only_as_a_hash(integ):
    name = "mvd-region-16-" + uuid.uuid4().hex[:8]      # this test's own key
    key_id, key = new_key(integ, name)
    number, token = integ.new_user()
    integ.register(token)
    assert report(integ, None, number).status_code == 401
    assert report(integ, "x" * len(key), number).status_code == 401
    assert report(integ, key, number, scheme="Bearer").status_code == 401
    assert report(integ, token, number, scheme="ApiKey").status_code == 401, "a person's token is not a key"
    assert integ.me(token)["registration"]["status"] == "active"
    if not integ.db_url.startswith("postgresql://"):
        for suffix in ("", "-wal"):
            path = integ.db_url + suffix
            if os.path.exists(path):
                assert key.encode() not in open(path, "rb").read()
    assert integ.db.scalar(f"SELECT COUNT(*) FROM api_keys WHERE name = '{name}'") == 1


@SHARED
def test_revoked_key_stops_working(integ):
    key_id, key = new_key(integ)
    number, token = integ.new_user()
    integ.register(token)
    out = integ.ctl("apikey", "revoke", str(key_id)).stdout
    assert "revoked" in out
    assert report(integ, key, number).status_code == 401
    assert integ.me(token)["registration"]["status"] == "active"
    again = integ.ctl("apikey", "revoke", str(key_id), check=False)
    assert again.returncode == 1


@pytest.mark.parametrize("body,code", [
    ({"document_kind": "visa", "document_number": "1", "region": "16"}, "invalid_document_kind"),
    ({"document_kind": "card", "document_number": "1", "region": "16; DROP"}, "too_long"),
    ({"document_kind": "card", "document_number": "1", "region": "1 6"}, "invalid_region"),
    ({"document_kind": "card", "document_number": "1"}, "missing_field"),
    ({"document_kind": "card", "document_number": "1", "region": "16", "name": "x"}, "unknown_field"),
])
@SHARED
def test_bad_reports_are_400(integ, module_key, body, code):
    _, key = module_key
    r = integ.http.post(PATH, headers={"Authorization": f"ApiKey {key}"}, json=body)
    assert r.status_code == 400 and r.json()["code"] == code
