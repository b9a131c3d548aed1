"""The kiosk receipt PDF and the registrar's enrolment review, end to end.

Enrolments are made through the kiosk API with a real uchet-devsim, as
tests/api/test_kiosk.py does (its helpers and fixtures are reused). The
printed documents are read back the way a person reads them: pdftotext
(poppler-utils) for the text, pdftoppm + zbarimg (zbar-tools) for the QR
code. Both backends.
"""
import os
import re
import shutil
import subprocess

import pytest

from test_kiosk import DETAILS, dev, dev_reset, full_session, kiosk  # noqa: F401  fixtures

TOOLS = all(shutil.which(t) for t in ("pdftotext", "pdftoppm", "zbarimg"))
needs_tools = pytest.mark.skipif(not TOOLS, reason="poppler-utils and zbar-tools not installed")


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
def test_receipt_pdf_in_four_scripts(kiosk, dev, tmp_path):
    key = kiosk.add()
    receipt = submit(kiosk, dev, key)
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
    # no language: Russian
    r = receipt_pdf(kiosk, key, receipt)
    assert HEADINGS["ru"] in pdf_text(r.content, tmp_path, "default")


@needs_tools
def test_receipt_every_kiosk_language(kiosk, dev, tmp_path):
    """Each of the 13 has its own receipt texts (none fell back to Russian)."""
    key = kiosk.add()
    receipt = submit(kiosk, dev, key)
    ru = pdf_text(receipt_pdf(kiosk, key, receipt, "ru").content, tmp_path, "ru")
    for lang in ("uk", "tg", "uz", "ro", "en", "fr", "de", "ky", "kk", "zh", "tr", "ka"):
        r = receipt_pdf(kiosk, key, receipt, lang)
        assert r.status_code == 200, (lang, r.text)
        text = pdf_text(r.content, tmp_path, lang)
        assert receipt in text and text != ru, lang
        assert "Квитанция о подаче" not in text, lang


def test_receipt_only_own_kiosk_and_only_for_a_while(kiosk, dev):
    key, other = kiosk.add("Hall A"), kiosk.add("Hall B")
    receipt = submit(kiosk, dev, key)
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
    kiosk.u.set_clock("2025-10-31T10:11:00+03:00")   # 11 minutes after START_CLOCK
    r = receipt_pdf(kiosk, key, receipt, "en")
    assert r.status_code == 410 and r.json()["code"] == "receipt_expired"
