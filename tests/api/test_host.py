"""Landlord confirmation (product rules 12 and 7): the person gets a one-time
code, the landlord confirms on the host page and learns only the address; a
residence change resets the confirmation."""
import json
import os
import re

import httpx
import pytest

from conftest import RESIDENCE

# One uchetd for the tests that keep the start clock and look only at their
# own person's codes, residences and notices: an ASan start per test was most
# of their time. Their few wrong codes stay well under the per-address limit;
# the test of that limit, and the one that moves the clock, keep a server of
# their own. Marked xdist_group: one worker runs them all (see conftest's
# pytest_configure).
SHARED = pytest.mark.xdist_group("host")


@pytest.fixture(scope="module")
def hostd(module_uchet_factory):
    return module_uchet_factory().start()

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


@SHARED
def test_landlord_confirms_and_learns_only_the_address(hostd):
    token = registered(hostd)
    c = host_code(hostd, token)
    assert re.fullmatch(r"[A-Z2-9]{4}-[A-Z2-9]{4}-[A-Z2-9]{4}", c["code"])
    assert c["expires_at"] == "2025-11-07T07:00:00Z"                  # 7 days
    assert hostd.me(token)["registration"]["residence"]["confirmed_by_host"] is False
    r = confirm(hostd, c["code"])
    assert r.status_code == 200
    assert r.json() == {"address": "Moscow, Tverskaya, 7"}
    for leak in ("RAHIMOV", "FARRUKH", "12", str(RESIDENCE["lat"])):
        assert leak not in r.text, "no personal data, no apartment, no reference point"
    assert hostd.me(token)["registration"]["residence"]["confirmed_by_host"] is True
    pid = hostd.me(token)["person"]["id"]
    notes = hostd.db.query(f"SELECT kind, params FROM notices WHERE person_id = {pid}")
    assert [(k, json.loads(p)) for k, p in notes] == [("host_confirmed", {"host_name": "Galina Sergeevna Orlova"})]
    reg = hostd.me(token)["registration"]["id"]
    assert hostd.db.query(f"SELECT host_name FROM residences WHERE replaced_at IS NULL AND registration_id = {reg}") == \
        [("Galina Sergeevna Orlova",)]
    assert hostd.ctl("audit", "verify").stdout.startswith("intact")


@SHARED
def test_code_is_single_use(hostd):
    token = registered(hostd)
    code = host_code(hostd, token)["code"]
    assert confirm(hostd, code).status_code == 200
    again = confirm(hostd, code, name="Someone Else")
    assert again.status_code == 404 and again.json()["code"] == "host_code_invalid"
    reg = hostd.me(token)["registration"]["id"]
    assert hostd.db.query(f"SELECT host_name FROM residences WHERE registration_id = {reg}") == \
        [("Galina Sergeevna Orlova",)]


@SHARED
def test_code_as_typed_lowercase_without_dashes(hostd):
    token = registered(hostd)
    code = host_code(hostd, token)["code"]
    assert confirm(hostd, " " + code.replace("-", "").lower() + " ").status_code == 200


@SHARED
def test_code_is_stored_only_as_a_hash(hostd):
    token = registered(hostd)
    code = host_code(hostd, token)["code"]
    pid = hostd.me(token)["person"]["id"]
    assert hostd.db.scalar(f"SELECT COUNT(*) FROM host_codes WHERE person_id = {pid}") == 1
    if not hostd.db_url.startswith("postgresql://"):
        for suffix in ("", "-wal"):
            if os.path.exists(hostd.db_url + suffix):
                data = open(hostd.db_url + suffix, "rb").read()
                assert code.encode() not in data and code.replace("-", "").encode() not in data


@SHARED
def test_residence_change_resets_the_confirmation_and_voids_old_codes(hostd):
    token = registered(hostd)
    assert confirm(hostd, host_code(hostd, token)["code"]).status_code == 200
    unused = host_code(hostd, token)["code"]
    r = hostd.http.put("/api/v1/me/registration/residence", headers=hostd.auth(token), json=NEW_RESIDENCE)
    assert r.status_code == 200
    assert r.json()["residence"]["confirmed_by_host"] is False
    assert hostd.me(token)["registration"]["residence"]["confirmed_by_host"] is False
    old = confirm(hostd, unused)
    assert old.status_code == 404 and old.json()["code"] == "host_code_invalid", "a code is for one address only"
    fresh = confirm(hostd, host_code(hostd, token)["code"])
    assert fresh.json() == {"address": "Moscow, Arbat, 10"}
    assert hostd.me(token)["registration"]["residence"]["confirmed_by_host"] is True


@SHARED
def test_a_new_code_replaces_the_unused_one(hostd):
    token = registered(hostd)
    first = host_code(hostd, token)["code"]
    second = host_code(hostd, token)["code"]
    assert first != second
    old = confirm(hostd, first)
    assert old.status_code == 404 and old.json()["code"] == "host_code_invalid", "only the newest code works"
    assert confirm(hostd, second).status_code == 200


def test_code_expires_after_seven_days(uchet):
    token = registered(uchet)
    code = host_code(uchet, token)["code"]
    uchet.set_clock("2025-11-07T10:00:00+03:00")                      # exactly 7 days later
    assert confirm(uchet, code).status_code == 404


@SHARED
def test_code_dies_with_the_registration(hostd):
    token = registered(hostd)
    code = host_code(hostd, token)["code"]
    hostd.http.request("DELETE", "/api/v1/me/registration", headers=hostd.auth(token), json={"reason": "departed"})
    assert confirm(hostd, code).status_code == 404


@SHARED
def test_no_code_without_an_active_registration(hostd):
    number, token = hostd.new_user()
    r = hostd.http.post("/api/v1/me/registration/host-code", headers=hostd.auth(token))
    assert r.status_code == 409 and r.json()["code"] == "no_active_registration"
    assert hostd.http.post("/api/v1/me/registration/host-code").status_code == 401


@SHARED
def test_landlord_name_is_required(hostd):
    token = registered(hostd)
    code = host_code(hostd, token)["code"]
    r = confirm(hostd, code, name="")
    assert r.status_code == 400
    assert confirm(hostd, code, name="A").status_code == 400
    assert hostd.me(token)["registration"]["residence"]["confirmed_by_host"] is False
    assert confirm(hostd, code, name="Ли").status_code == 200, "two characters are a name"


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


@SHARED
def test_host_page_is_served_with_a_strict_csp(hostd):
    r = httpx.get(hostd.base + "/host/")
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/html")
    csp = r.headers["content-security-policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp
    html = r.text
    assert re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html) is None, "no inline script"
    assert "<style" not in html and " style=" not in html, "no inline style"
    js = httpx.get(hostd.base + "/host/host.js")
    assert js.status_code == 200 and js.headers["content-type"].startswith("text/javascript")
    # The page's texts come from po/ (host.*) through the shared catalogs.
    assert httpx.get(hostd.base + "/common/i18n.js").status_code == 200
    for lang in ("ru", "en"):
        assert "host.title" in httpx.get(hostd.base + f"/app/i18n/{lang}.json").json()["messages"]
    assert httpx.get(hostd.base + "/host/host.css").status_code == 200
    assert httpx.get(hostd.base + "/host", follow_redirects=False).headers["location"] == "/host/"
