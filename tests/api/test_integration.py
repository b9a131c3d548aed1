"""Leaving via other systems (product rule 10): a system with an API key reports
that a person registered in a region outside the regime; that ends the active
registration with `registered_elsewhere`. The door only pushes."""
import json
import os

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


def person_notices(uchet, token):
    pid = uchet.me(token)["person"]["id"]
    return [(k, json.loads(p)) for k, p in
            uchet.db.query(f"SELECT kind, params FROM notices WHERE person_id = {pid} ORDER BY id")]


def test_report_ends_the_registration_once(uchet):
    _, key = new_key(uchet)
    number, token = uchet.new_user()
    reg = uchet.register(token)
    r = report(uchet, key, number)
    assert r.status_code == 200 and r.json() == {"status": "ended"}
    me = uchet.me(token)
    assert me["registration"] is None
    assert me["last_registration"]["id"] == reg["id"]
    assert me["last_registration"]["end_reason"] == "registered_elsewhere"
    assert person_notices(uchet, token) == [("registered_elsewhere", {"region": "16"})]
    audit_rows = uchet.db.scalar("SELECT COUNT(*) FROM audit")
    again = report(uchet, key, number)
    assert again.status_code == 200 and again.json() == {"status": "already_ended"}
    assert uchet.db.scalar("SELECT COUNT(*) FROM audit") == audit_rows, "a repeated report writes nothing"
    assert len(person_notices(uchet, token)) == 1
    actors = uchet.db.query("SELECT actor, action FROM audit WHERE action LIKE 'registration.%' ORDER BY seq")
    assert ("apikey:1", "registration.ended") in actors and ("apikey:1", "registration.reported_elsewhere") in actors
    assert uchet.ctl("audit", "verify").stdout.startswith("intact")


def test_the_answer_carries_nothing_about_the_person(uchet):
    _, key = new_key(uchet)
    number, token = uchet.new_user()
    uchet.register(token)
    r = report(uchet, key, number)
    assert set(r.json()) == {"status"}
    for leak in ("RAHIMOV", "Tverskaya", "77", number):
        assert leak not in r.text


def test_person_registers_again_on_return(uchet):
    _, key = new_key(uchet)
    number, token = uchet.new_user()
    uchet.register(token)
    report(uchet, key, number)
    assert uchet.register(token)["status"] == "active"
    assert report(uchet, key, number).json() == {"status": "ended"}, "a new move ends the new registration"


def test_regime_region_is_refused(uchet):
    _, key = new_key(uchet)
    number, token = uchet.new_user()
    uchet.register(token)
    for region in ("77", "50"):
        r = report(uchet, key, number, region=region)
        assert r.status_code == 422 and r.json()["code"] == "region_in_regime"
    assert uchet.me(token)["registration"]["status"] == "active"


def test_unknown_document_gets_the_same_answer(uchet):
    """Issue 12: the answer does not tell whether uchet knows a document."""
    _, key = new_key(uchet)
    unknown = report(uchet, key, "0000000001")
    number, token = uchet.new_user(passport="P7654321")
    assert report(uchet, key, number).json() == {"status": "already_ended"}, "known, nothing active"
    assert unknown.status_code == 200 and unknown.json() == {"status": "already_ended"}
    uchet.register(token)
    assert report(uchet, key, number, kind="passport").json() == {"status": "already_ended"}, \
        "the card number is not a passport number"
    assert report(uchet, key, "P7654321", kind="passport").json() == {"status": "ended"}


@pytest.mark.parametrize("region", ["077", "050", "7", "zz", "ZZ", "XYZ123", "00", "80", "99", "7 7", "７７", "-77"])
def test_odd_region_codes_are_refused(uchet, region):
    _, key = new_key(uchet)
    number, token = uchet.new_user()
    uchet.register(token)
    r = report(uchet, key, number, region=region)
    assert r.status_code == 400 and r.json()["code"] == "invalid_region", (region, r.text)
    assert uchet.me(token)["registration"]["status"] == "active"


def test_a_key_is_needed_and_kept_only_as_a_hash(uchet):
    key_id, key = new_key(uchet)
    number, token = uchet.new_user()
    uchet.register(token)
    assert report(uchet, None, number).status_code == 401
    assert report(uchet, "x" * len(key), number).status_code == 401
    assert report(uchet, key, number, scheme="Bearer").status_code == 401
    assert report(uchet, token, number, scheme="ApiKey").status_code == 401, "a person's token is not a key"
    assert uchet.me(token)["registration"]["status"] == "active"
    if not uchet.db_url.startswith("postgresql://"):
        for suffix in ("", "-wal"):
            path = uchet.db_url + suffix
            if os.path.exists(path):
                assert key.encode() not in open(path, "rb").read()
    assert uchet.db.scalar("SELECT COUNT(*) FROM api_keys WHERE name = 'mvd-region-16'") == 1


def test_revoked_key_stops_working(uchet):
    key_id, key = new_key(uchet)
    number, token = uchet.new_user()
    uchet.register(token)
    out = uchet.ctl("apikey", "revoke", str(key_id)).stdout
    assert "revoked" in out
    assert report(uchet, key, number).status_code == 401
    assert uchet.me(token)["registration"]["status"] == "active"
    again = uchet.ctl("apikey", "revoke", str(key_id), check=False)
    assert again.returncode == 1


@pytest.mark.parametrize("body,code", [
    ({"document_kind": "visa", "document_number": "1", "region": "16"}, "invalid_document_kind"),
    ({"document_kind": "card", "document_number": "1", "region": "16; DROP"}, "too_long"),
    ({"document_kind": "card", "document_number": "1", "region": "1 6"}, "invalid_region"),
    ({"document_kind": "card", "document_number": "1"}, "missing_field"),
    ({"document_kind": "card", "document_number": "1", "region": "16", "name": "x"}, "unknown_field"),
])
def test_bad_reports_are_400(uchet, body, code):
    _, key = new_key(uchet)
    r = uchet.http.post(PATH, headers={"Authorization": f"ApiKey {key}"}, json=body)
    assert r.status_code == 400 and r.json()["code"] == code
