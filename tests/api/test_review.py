"""The kiosk receipt PDF and the registrar's enrolment review, end to end.

Enrolments are made through the kiosk API with a real uchet-devsim, as
tests/api/test_kiosk.py does (its helpers and fixtures are reused). The
printed documents are read back the way a person reads them: pdftotext
(poppler-utils) for the text, pdftoppm + zbarimg (zbar-tools) for the QR
code. Both backends.

A simulated enrolment costs seconds of devsim and uchetd work, and each test
made its own: the module's tests now share one uchetd and one enrolment
(`enrolled`, module-scoped). The receipt tests only read it (the one that
moves the clock to see the receipt expire puts the clock back); the review
test takes it as its first enrolment and adds the second itself. No test
depends on another having run first (checked in file order, reversed, and
in two xdist workers). One xdist group: under `-n 2` one worker takes all
four, and the enrolment is made once rather than once in each worker.
"""
import os
import re
import shutil
import subprocess

import pytest

from conftest import START_CLOCK, sqlite_run_only
from test_kiosk import DETAILS, dev, dev_reset, full_session, start_kiosk  # noqa: F401  fixtures

TOOLS = all(shutil.which(t) for t in ("pdftotext", "pdftoppm", "zbarimg"))
needs_tools = pytest.mark.skipif(not TOOLS, reason="poppler-utils and zbar-tools not installed")
pytestmark = pytest.mark.xdist_group("review")


def submit(kiosk, dev, key, details=None):
    if details:
        import test_kiosk
        saved = dict(test_kiosk.DETAILS)
        test_kiosk.DETAILS.update(details)
    try:
        sid, _ = full_session(kiosk, dev, key)
    finally:
        if details:
            test_kiosk.DETAILS.clear()
            test_kiosk.DETAILS.update(saved)
    r = kiosk.u.http.post(f"/api/v1/kiosk/sessions/{sid}/submit", headers=key, timeout=120)
    assert r.status_code == 201, r.text
    return r.json()["receipt"]


@pytest.fixture(scope="module")
def enrolled(module_uchet_factory, dev, tmp_path_factory):
    """The module's uchetd with the kiosk API on, its Hall A kiosk's key, and
    one enrolment that kiosk submitted at START_CLOCK in Tajik: (kiosk, key,
    receipt)."""
    kiosk = start_kiosk(module_uchet_factory, dev.trust, tmp_path_factory.mktemp("kiosk"))
    dev.admin("reset", {})
    dev.admin("profile", {"seed": 7})
    key = kiosk.add("Hall A")
    return kiosk, key, submit(kiosk, dev, key, {"language": "tg"})


def pdf_text(pdf, tmp_path, name="doc"):
    path = tmp_path / f"{name}.pdf"
    path.write_bytes(pdf)
    return subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True,
                          check=True).stdout


def pdf_qr(pdf, tmp_path, name="doc"):
    """What zbarimg reads from the first page rasterised at 150 dpi."""
    path = tmp_path / f"{name}.pdf"
    path.write_bytes(pdf)
    subprocess.run(["pdftoppm", "-r", "150", "-f", "1", "-l", "1", "-png", str(path), str(tmp_path / name)],
                   check=True)
    png = [p for p in os.listdir(tmp_path) if p.startswith(name) and p.endswith(".png")]
    out = subprocess.run(["zbarimg", "--raw", "-q", str(tmp_path / sorted(png)[0])], capture_output=True,
                         text=True)
    return out.stdout.strip().splitlines()


def receipt_pdf(kiosk, key, receipt, lang=None):
    q = f"?lang={lang}" if lang else ""
    return kiosk.u.http.get(f"/api/v1/kiosk/enrolments/{receipt}/receipt.pdf{q}", headers=key, timeout=60)


# What each language's receipt must say besides the number (from po/<lang>.po).
HEADINGS = {"ru": "Квитанция о подаче заявления", "tg": "Квитансия дар бораи супоридани ариза",
            "ka": "განაცხადის მიღების ქვითარი", "zh": "登记回执"}


@needs_tools
@sqlite_run_only("test_review.py::test_review_approve_letter_activate_and_return")
def test_receipt_pdf_in_four_scripts(enrolled, tmp_path):
    kiosk, key, receipt = enrolled
    for lang, heading in HEADINGS.items():
        r = receipt_pdf(kiosk, key, receipt, lang)
        assert r.status_code == 200, r.text
        assert r.headers["content-type"] == "application/pdf"
        assert r.headers["cache-control"] == "no-store"
        assert r.content.startswith(b"%PDF-")
        text = pdf_text(r.content, tmp_path, lang)
        assert receipt in text, (lang, text)
        # shaped and extractable: the heading reads back as written, in its own script
        assert heading in re.sub(r"\s+", " ", text), (lang, text[:400])
        assert pdf_qr(r.content, tmp_path, lang) == [receipt]
    # no language: Russian (the enrolment's own language is Tajik)
    r = receipt_pdf(kiosk, key, receipt)
    assert HEADINGS["ru"] in pdf_text(r.content, tmp_path, "default")


@needs_tools
def test_receipt_every_kiosk_language(enrolled, tmp_path):
    """Each of the 13 has its own receipt texts (none fell back to Russian)."""
    kiosk, key, receipt = enrolled
    ru = pdf_text(receipt_pdf(kiosk, key, receipt, "ru").content, tmp_path, "ru")
    for lang in ("uk", "tg", "uz", "ro", "en", "fr", "de", "ky", "kk", "zh", "tr", "ka"):
        r = receipt_pdf(kiosk, key, receipt, lang)
        assert r.status_code == 200, (lang, r.text)
        text = pdf_text(r.content, tmp_path, lang)
        assert receipt in text and text != ru, lang
        assert "Квитанция о подаче" not in text, lang


def test_receipt_only_own_kiosk_and_only_for_a_while(enrolled):
    kiosk, key, receipt = enrolled
    other = kiosk.add("Hall B")
    r = receipt_pdf(kiosk, other, receipt, "en")
    assert r.status_code == 404 and r.json()["code"] == "enrolment_not_found"
    r = kiosk.u.http.get(f"/api/v1/kiosk/enrolments/{receipt}/receipt.pdf")
    assert r.status_code == 401 and r.json()["code"] == "unauthorized"
    for bad in ("xx", "hy", "az", "ru&x=1", "RU"):
        r = receipt_pdf(kiosk, key, receipt, bad)
        assert r.status_code == 400 and r.json()["code"] == "invalid_language", bad
    wrong = receipt[:-1] + str((int(receipt[-1]) + 1) % 10)   # the check digit catches it
    assert receipt_pdf(kiosk, key, wrong, "en").status_code == 404
    assert receipt_pdf(kiosk, key, receipt, "en").status_code == 200
    kiosk.u.set_clock("2025-10-31T10:11:00+03:00")   # 11 minutes after START_CLOCK, the submit
    try:
        r = receipt_pdf(kiosk, key, receipt, "en")
        assert r.status_code == 410 and r.json()["code"] == "receipt_expired"
    finally:
        kiosk.u.set_clock(START_CLOCK)                # the module's other tests read it at the submit's time


# ---------------------------------------------------------------- review

from conftest import officer  # noqa: E402


def luhn_ok(digits):
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = int(ch)
        if i % 2 == 1:
            d = d * 2 - 9 if d > 4 else d * 2
        total += d
    return total % 10 == 0


def desk(u, method, path, hdr, **kw):
    return u.http.request(method, "/api/v1/desk/enrolments" + path, headers=hdr, timeout=60, **kw)


def status(u, receipt, birth="1995-04-12"):
    r = u.http.get(f"/api/v1/kiosk/enrolments/{receipt}/status?birth_date={birth}")
    assert r.status_code == 200, r.text
    return r.json()


def actions(u):
    return [a for (a,) in u.db.query("SELECT action FROM audit ORDER BY seq")]


@needs_tools
def test_review_approve_letter_activate_and_return(enrolled, dev, tmp_path):
    kiosk, key, ra = enrolled                          # submitted in Tajik
    u = kiosk.u
    rb = submit(kiosk, dev, key)                       # the same passport number: a duplicate
    reg, reg2, insp = officer(u, "registrar"), officer(u, "registrar"), officer(u, "inspector")

    # the queue: registrars only
    r = desk(u, "GET", "", reg)
    assert r.status_code == 200, r.text
    assert [i["receipt"] for i in r.json()["items"]] == [ra, rb]
    assert r.json()["items"][0]["claim"] == "none"
    for hdr, code in ((insp, 403), ({}, 401)):
        assert desk(u, "GET", "", hdr).status_code == code
        assert desk(u, "GET", f"/{ra}", hdr).status_code == code
        assert desk(u, "POST", f"/{ra}/claim", hdr).status_code == code
    assert desk(u, "GET", "?state=lost", reg).json()["code"] == "invalid_state"

    # the detail: what the kiosk's checks found, and the duplicate flagged
    d = desk(u, "GET", f"/{ra}", reg).json()
    assert d["details"]["document_number"] == DETAILS["document_number"]
    assert d["details"]["surname"] == DETAILS["surname"] and d["language"] == "tg"
    assert d["document_check"] is not None
    assert [f["capture"] for f in d["fingers"]] == ["slap-left", "slap-right", "thumbs"]
    assert all(len(f["results"]) >= 2 for f in d["fingers"])
    assert all("quality" in x for f in d["fingers"] for x in f["results"])
    assert d["face"] and "quality" in d["face"][0]
    assert {"kind": "enrolment", "match": "document_number", "receipt": rb, "state": "pending"} in d["duplicates"]

    # images only for the registrar holding the claim, never cached, each view audited
    assert desk(u, "GET", f"/{ra}/images/face", reg).json()["code"] == "enrolment_not_claimed"
    assert desk(u, "POST", f"/{ra}/claim", reg).json()["claim"] == "mine"
    r = desk(u, "POST", f"/{ra}/claim", reg2)
    assert r.status_code == 409 and r.json()["code"] == "enrolment_claimed"
    assert desk(u, "GET", f"/{ra}/images/face", reg2).json()["code"] == "enrolment_claimed"
    views = actions(u).count("enrolment.image_viewed")
    for kind in ("face", "slap-left", "thumbs", "palm-right"):
        r = desk(u, "GET", f"/{ra}/images/{kind}", reg)
        assert r.status_code == 200, (kind, r.text)
        assert r.headers["cache-control"] == "no-store"
        assert r.headers["content-type"] == "image/png" and r.content[:8] == b"\x89PNG\r\n\x1a\n", kind
    assert actions(u).count("enrolment.image_viewed") == views + 4
    assert desk(u, "GET", f"/{ra}/images/document", reg).json()["code"] == "image_not_found"
    assert desk(u, "GET", f"/{ra}/images/passport", reg).status_code == 404

    # approve: only by the claimant; a person, a card number with a check digit
    assert desk(u, "POST", f"/{ra}/approve", reg2, json={}).json()["code"] == "enrolment_claimed"
    assert desk(u, "POST", f"/{ra}/approve", reg, json={"reasn": "x"}).status_code == 400
    r = desk(u, "POST", f"/{ra}/approve", reg, json={"reason": "Passport and face checked"})
    assert r.status_code == 200, r.text
    card = r.json()["card_number"]
    assert re.fullmatch(r"[0-9]{10}", card) and luhn_ok(card)
    assert status(u, ra)["state"] == "approved"
    assert desk(u, "POST", f"/{ra}/return", reg, json={"reason": "Changed my mind"}).json()["code"] == \
        "enrolment_decided"

    # the letter, once: Russian and Tajik, with the card number and the code
    assert desk(u, "GET", f"/{ra}/letter.pdf", insp).status_code == 403
    r = desk(u, "GET", f"/{ra}/letter.pdf", reg)
    assert r.status_code == 200 and r.headers["content-type"] == "application/pdf"
    text = pdf_text(r.content, tmp_path, "letter")
    assert card in text and ra in text
    assert "Письмо об активации" in text and "Номаи фаъолсозӣ" in text
    codes = set(re.findall(r"\b[A-Z0-9]{4}-[A-Z0-9]{4}-[A-Z0-9]{4}\b", text))
    assert len(codes) == 1, text
    r = desk(u, "GET", f"/{ra}/letter.pdf", reg)
    assert r.status_code == 409 and r.json()["code"] == "letter_printed"
    # the person activates with the code read from the letter
    token = u.activate(codes.pop())
    assert u.http.get("/api/v1/me", headers=u.auth(token)).status_code == 200

    # the second enrolment: now a person holds its passport
    d = desk(u, "GET", f"/{rb}", reg).json()
    assert {"kind": "person", "match": "document_number"} in d["duplicates"]
    assert desk(u, "POST", f"/{rb}/claim", reg2).status_code == 200
    assert desk(u, "POST", f"/{rb}/return", reg2, json={"reason": " . . . "}).json()["code"] == "invalid_reason"
    assert desk(u, "POST", f"/{rb}/return", reg2, json={}).status_code == 400
    why = "Этот паспорт уже зарегистрирован: обратитесь в окно 3"
    r = desk(u, "POST", f"/{rb}/return", reg2, json={"reason": why})
    assert r.status_code == 200, r.text
    st = status(u, rb)
    assert st["state"] == "returned" and st["reason"] == why
    assert desk(u, "GET", f"/{rb}/letter.pdf", reg2).json()["code"] == "enrolment_not_approved"
    assert [i["receipt"] for i in desk(u, "GET", "?state=returned", reg).json()["items"]] == [rb]
    assert desk(u, "GET", "", reg).json()["items"] == []
    acts = actions(u)
    for a in ("enrolment.claimed", "enrolment.approved", "enrolment.letter_printed", "enrolment.returned"):
        assert a in acts, a
