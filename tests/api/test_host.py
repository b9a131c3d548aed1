"""Landlord confirmation (product rules 12 and 7): the person gets a one-time
code, the landlord confirms on the host page and learns only the address; a
residence change resets the confirmation."""
import json
import os
import re

import httpx

from conftest import RESIDENCE

NEW_RESIDENCE = {"settlement": "Moscow", "street": "Arbat", "house": "10", "lat": 55.7494, "lon": 37.5912}


def host_code(uchet, token):
    r = uchet.http.post("/api/v1/me/registration/host-code", headers=uchet.auth(token))
    assert r.status_code == 201, r.text
    return r.json()


def confirm(uchet, code, name="Galina Sergeevna Orlova"):
    return uchet.http.post("/api/v1/host/confirmations", json={"code": code, "landlord_name": name})


def registered(uchet):
    number, token = uchet.new_user()
    uchet.register(token)
    return token


def test_landlord_confirms_and_learns_only_the_address(uchet):
    token = registered(uchet)
    c = host_code(uchet, token)
    assert re.fullmatch(r"[A-Z2-9]{4}-[A-Z2-9]{4}-[A-Z2-9]{4}", c["code"])
    assert c["expires_at"] == "2025-11-07T07:00:00Z"                  # 7 days
    assert uchet.me(token)["registration"]["residence"]["confirmed_by_host"] is False
    r = confirm(uchet, c["code"])
    assert r.status_code == 200
    assert r.json() == {"address": "Moscow, Tverskaya, 7"}
    for leak in ("RAHIMOV", "FARRUKH", "12", str(RESIDENCE["lat"])):
        assert leak not in r.text, "no personal data, no apartment, no reference point"
    assert uchet.me(token)["registration"]["residence"]["confirmed_by_host"] is True
    pid = uchet.me(token)["person"]["id"]
    notes = uchet.db.query(f"SELECT kind, params FROM notices WHERE person_id = {pid}")
    assert [(k, json.loads(p)) for k, p in notes] == [("host_confirmed", {"host_name": "Galina Sergeevna Orlova"})]
    assert uchet.db.query("SELECT host_name FROM residences WHERE replaced_at IS NULL") == [("Galina Sergeevna Orlova",)]
    assert uchet.ctl("audit", "verify").stdout.startswith("intact")


def test_code_is_single_use(uchet):
    token = registered(uchet)
    code = host_code(uchet, token)["code"]
    assert confirm(uchet, code).status_code == 200
    again = confirm(uchet, code, name="Someone Else")
    assert again.status_code == 404 and again.json()["code"] == "host_code_invalid"
    assert uchet.db.query("SELECT host_name FROM residences") == [("Galina Sergeevna Orlova",)]


def test_code_as_typed_lowercase_without_dashes(uchet):
    token = registered(uchet)
    code = host_code(uchet, token)["code"]
    assert confirm(uchet, " " + code.replace("-", "").lower() + " ").status_code == 200


def test_code_is_stored_only_as_a_hash(uchet):
    token = registered(uchet)
    code = host_code(uchet, token)["code"]
    assert uchet.db.scalar("SELECT COUNT(*) FROM host_codes") == 1
    if not uchet.db_url.startswith("postgresql://"):
        for suffix in ("", "-wal"):
            if os.path.exists(uchet.db_url + suffix):
                data = open(uchet.db_url + suffix, "rb").read()
                assert code.encode() not in data and code.replace("-", "").encode() not in data


def test_residence_change_resets_the_confirmation_and_voids_old_codes(uchet):
    token = registered(uchet)
    assert confirm(uchet, host_code(uchet, token)["code"]).status_code == 200
    unused = host_code(uchet, token)["code"]
    r = uchet.http.put("/api/v1/me/registration/residence", headers=uchet.auth(token), json=NEW_RESIDENCE)
    assert r.status_code == 200
    assert r.json()["residence"]["confirmed_by_host"] is False
    assert uchet.me(token)["registration"]["residence"]["confirmed_by_host"] is False
    old = confirm(uchet, unused)
    assert old.status_code == 404 and old.json()["code"] == "host_code_invalid", "a code is for one address only"
    fresh = confirm(uchet, host_code(uchet, token)["code"])
    assert fresh.json() == {"address": "Moscow, Arbat, 10"}
    assert uchet.me(token)["registration"]["residence"]["confirmed_by_host"] is True


def test_a_new_code_replaces_the_unused_one(uchet):
    token = registered(uchet)
    first = host_code(uchet, token)["code"]
    second = host_code(uchet, token)["code"]
    assert first != second
    old = confirm(uchet, first)
    assert old.status_code == 404 and old.json()["code"] == "host_code_invalid", "only the newest code works"
    assert confirm(uchet, second).status_code == 200


def test_code_expires_after_seven_days(uchet):
    token = registered(uchet)
    code = host_code(uchet, token)["code"]
    uchet.set_clock("2025-11-07T10:00:00+03:00")                      # exactly 7 days later
    assert confirm(uchet, code).status_code == 404


def test_code_dies_with_the_registration(uchet):
    token = registered(uchet)
    code = host_code(uchet, token)["code"]
    uchet.http.request("DELETE", "/api/v1/me/registration", headers=uchet.auth(token), json={"reason": "departed"})
    assert confirm(uchet, code).status_code == 404


def test_no_code_without_an_active_registration(uchet):
    number, token = uchet.new_user()
    r = uchet.http.post("/api/v1/me/registration/host-code", headers=uchet.auth(token))
    assert r.status_code == 409 and r.json()["code"] == "no_active_registration"
    assert uchet.http.post("/api/v1/me/registration/host-code").status_code == 401


def test_landlord_name_is_required(uchet):
    token = registered(uchet)
    code = host_code(uchet, token)["code"]
    r = confirm(uchet, code, name="")
    assert r.status_code == 400
    assert confirm(uchet, code, name="A").status_code == 400
    assert uchet.me(token)["registration"]["residence"]["confirmed_by_host"] is False
    assert confirm(uchet, code, name="Ли").status_code == 200, "two characters are a name"


def test_wrong_codes_are_rate_limited_per_address(uchet):
    token = registered(uchet)
    good = host_code(uchet, token)["code"]
    for i in range(30):                       # well-formed wrong codes and junk both count
        bad = confirm(uchet, "AAAA-BBBB-CCCC" if i % 2 else "nonsense")
        assert bad.status_code == 404
    limited = confirm(uchet, good)
    assert limited.status_code == 429 and int(limited.headers["retry-after"]) > 0
    assert uchet.me(token)["registration"]["residence"]["confirmed_by_host"] is False
    # Persons logging in from the same address are not locked out by it.
    number, _ = uchet.new_user()
    assert uchet.login(number)
    uchet.set_clock("2025-10-31T10:16:00+03:00")
    assert confirm(uchet, good).status_code == 200


def test_host_page_is_served_with_a_strict_csp(uchet):
    r = httpx.get(uchet.base + "/host/")
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/html")
    csp = r.headers["content-security-policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp
    html = r.text
    assert re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html) is None, "no inline script"
    assert "<style" not in html and " style=" not in html, "no inline style"
    js = httpx.get(uchet.base + "/host/host.js")
    assert js.status_code == 200 and js.headers["content-type"].startswith("text/javascript")
    # The page's texts come from po/ (host.*) through the shared catalogs.
    assert httpx.get(uchet.base + "/common/i18n.js").status_code == 200
    for lang in ("ru", "en"):
        assert "host.title" in httpx.get(uchet.base + f"/app/i18n/{lang}.json").json()["messages"]
    assert httpx.get(uchet.base + "/host/host.css").status_code == 200
    assert httpx.get(uchet.base + "/host", follow_redirects=False).headers["location"] == "/host/"
