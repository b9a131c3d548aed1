"""The person hears of their document set (issue 16): a notice in the inbox,
in their language, when the check ends and again when a registrar decides,
each written once whatever the retries, never to someone else, and pushed
like every other notice (the same outbox) with the set it opens. The app's
"My documents" list shows a person's own sets only. Both backends.
"""
import io
import json
import time

import pytest
from PIL import Image, ImageDraw, ImageFont

from conftest import docset_uchet, officer
from fakepush import FakePush

FONT = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"
# po/tg.po, po/uz.po, po/ru.po: what the person reads (a missing translation
# would fall back to Russian, and these would fail)
TITLES = {
    "docset_returned": {"tg": "Ҳуҷҷатҳоро ислоҳ кардан лозим", "uz": "Hujjatlarni tuzatish kerak",
                        "ru": "Документы нужно исправить"},
    "docset_ready": {"tg": "Ҳуҷҷатҳо санҷида шуданд: ҳама ҳаст", "uz": "Hujjatlar tekshirildi: hammasi joyida",
                     "ru": "Документы проверены: всё на месте"},
    "docset_referred": {"tg": "Ҳуҷҷатҳо ба корманд супорида шуданд", "uz": "Hujjatlar xodimga topshirildi",
                        "ru": "Документы переданы сотруднику"},
    "docset_decision_returned": {"tg": "Ҳуҷҷатҳо баргардонида шуданд", "uz": "Hujjatlar qaytarildi",
                                 "ru": "Документы возвращены"},
}
REASON = "Приложите миграционную карту и медицинское заключение."


@pytest.fixture
def ds(uchet_factory, tmp_path, monkeypatch):
    return docset_uchet(uchet_factory, tmp_path, monkeypatch)


def page_png():
    """A small printed page: legible, of no known document type."""
    img = Image.new("L", (600, 400), 255)
    d = ImageDraw.Draw(img)
    font = ImageFont.truetype(FONT, 20)
    for i in range(6):
        d.text((40, 40 + i * 40), f"Line {i} of a printed document page", fill=0, font=font)
    buf = io.BytesIO()
    img.save(buf, "PNG")
    return buf.getvalue()


def sent_set(u, token):
    h = u.auth(token)
    r = u.http.post("/api/v1/document-sets", headers=h, json={"procedure": "rvp"})
    assert r.status_code == 201, r.text
    sid = r.json()["id"]
    r = u.http.post(f"/api/v1/document-sets/{sid}/pages", headers={**h, "Content-Type": "image/png"},
                    content=page_png(), timeout=120)
    assert r.status_code == 202, r.text
    assert u.http.post(f"/api/v1/document-sets/{sid}/submit", headers=h).status_code == 202
    return sid


def the_set(u, token, sid):
    r = u.http.get(f"/api/v1/document-sets/{sid}", headers=u.auth(token))
    assert r.status_code == 200, r.text
    return r.json()


def wait_checked(u, token, sid, timeout=300):
    end = time.time() + timeout
    while time.time() < end:
        s = the_set(u, token, sid)
        if s["state"] not in ("open", "checking"):
            return s
        time.sleep(0.1)
    raise AssertionError(f"set {sid} was not checked in {timeout} s")


def inbox(u, token):
    r = u.http.get("/api/v1/me/notifications", headers=u.auth(token))
    assert r.status_code == 200, r.text
    return r.json()["items"]


def about_sets(u, token):
    return [n for n in inbox(u, token) if n["kind"].startswith("docset_")]


def stored_notices(u):
    return u.db.query("SELECT person_id, kind, params FROM notices WHERE kind LIKE 'docset%' ORDER BY id")


def test_the_check_and_the_decision_each_tell_the_person_once_in_their_language(ds):
    _, token = ds.new_user(language="tg")
    _, other = ds.new_user(language="ru")
    sid = sent_set(ds, token)
    s = wait_checked(ds, token, sid)
    kind = f"docset_{s['outcome']}"
    for _ in range(3):                    # looking again (each GET may kick the reader) adds nothing
        the_set(ds, token, sid)
    got = about_sets(ds, token)
    assert [(n["kind"], n["document_set"]) for n in got] == [(kind, sid)], got
    assert got[0]["title"] == TITLES[kind]["tg"]
    assert f"№ {sid}" in got[0]["body"] and "{" not in got[0]["body"]
    assert about_sets(ds, other) == [], "another person hears nothing of this set"
    rows = stored_notices(ds)
    assert len(rows) == 1 and json.loads(rows[0][2]) == {"set": sid}, "the notice names the set, nothing read from it"

    registrar = officer(ds, "registrar")
    body = {"decision": "returned", "reason": REASON}
    r = ds.http.post(f"/api/v1/desk/document-sets/{sid}/decision", headers=registrar, json=body)
    assert r.status_code == 200, r.text
    r = ds.http.post(f"/api/v1/desk/document-sets/{sid}/decision", headers=registrar, json=body)
    assert (r.status_code, r.json()["code"]) == (409, "set_decided")
    got = about_sets(ds, token)
    assert [(n["kind"], n["document_set"]) for n in got] == [("docset_decision_returned", sid), (kind, sid)]
    assert got[0]["title"] == TITLES["docset_decision_returned"]["tg"]
    assert about_sets(ds, other) == []
    assert len(stored_notices(ds)) == 2
    # the set's own screen gives the decision and the registrar's words
    s = the_set(ds, token, sid)
    assert (s["decision"], s["decision_reason"]) == ("returned", REASON) and s["decided_at"]

    # texts are rendered in the person's current language
    r = ds.http.patch("/api/v1/me", headers=ds.auth(token), json={"language": "uz"})
    assert r.status_code in (200, 204), r.text
    assert [n["title"] for n in about_sets(ds, token)] == [TITLES["docset_decision_returned"]["uz"], TITLES[kind]["uz"]]


def test_the_outcome_notice_is_pushed_with_the_set_it_opens(ds):
    fake = FakePush().start()
    try:
        _, token = ds.new_user(language="ru")
        sub = fake.subscribe()
        r = ds.http.post("/api/v1/me/push-subscriptions", headers=ds.auth(token),
                         json={"endpoint": sub["endpoint"], "keys": sub["keys"]})
        assert r.status_code == 201, r.text
        sid = sent_set(ds, token)
        s = wait_checked(ds, token, sid)
        end = time.time() + 30
        while time.time() < end and not fake.received(sub["id"]):
            time.sleep(0.1)
        got = fake.received(sub["id"])
        assert len(got) == 1, got
        payload = json.loads(got[0]["payload"])
        assert payload["title"] == TITLES[f"docset_{s['outcome']}"]["ru"]
        assert payload["document_set"] == sid
    finally:
        fake.stop()


def test_a_persons_list_holds_their_own_sets_newest_first(ds):
    _, token = ds.new_user()
    _, other = ds.new_user()
    h = ds.auth(token)
    ids = [ds.http.post("/api/v1/document-sets", headers=h, json={"procedure": p}).json()["id"]
           for p in ("rvp", "patent")]
    r = ds.http.get("/api/v1/document-sets", headers=h)
    assert r.status_code == 200, r.text
    items = r.json()["items"]
    assert [(i["id"], i["procedure"], i["state"]) for i in items] == [(ids[1], "patent", "open"), (ids[0], "rvp", "open")]
    assert all(i["decision_reason"] is None and i["decided_at"] is None for i in items)
    assert ds.http.get("/api/v1/document-sets", headers=ds.auth(other)).json()["items"] == []
    r = ds.http.get("/api/v1/document-sets")
    assert (r.status_code, r.json()["code"]) == (401, "unauthorized")


def test_each_finding_says_what_to_do_in_the_persons_language(ds):
    _, token = ds.new_user(language="tg")
    sid = sent_set(ds, token)
    s = wait_checked(ds, token, sid)
    findings = s["result"]["findings"]
    missing = [f for f in findings if f["code"] == "missing_document"]
    assert missing, findings
    # po/tg.po docset.todo.missing_document
    assert {f["todo"] for f in missing} == {"Акс ё нусхаи ин ҳуҷҷатро илова кунед ва маҷмӯаро аз нав фиристед."}
    assert all(f.get("todo") for f in findings) and all(f["rule"] for f in missing)
