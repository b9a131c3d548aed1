"""The document check through its HTTP door (the library has its own unit tests)."""
import glob
import os
import subprocess

import pytest

from conftest import BUILD

SPECIMEN = "P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<\nL898902C36UTO7408122F1204159ZE184226B<<<<<10\n"


def test_specimen_text(uchet):
    r = uchet.http.post("/api/v1/documents/mrz", json={"text": SPECIMEN})
    assert r.status_code == 200
    body = r.json()
    assert body["format"] == "TD3" and body["fields"]["surname"] == "ERIKSSON"
    checks = {c["name"]: c["passed"] for c in body["checks"]}
    assert all(v for k, v in checks.items() if "check_digit" in k)
    # The specimen expired in 2012; the injected clock says 2025.
    assert body["valid"] is False
    assert any(not c["passed"] and "expir" in c["name"] for c in body["checks"])


def test_ocr_confusion_is_repaired_and_reported(uchet):
    broken = SPECIMEN.replace("7408122F", "74O8122F")   # letter O where a digit must be
    body = uchet.http.post("/api/v1/documents/mrz", json={"text": broken}).json()
    assert body["fields"]["birth_date"] == "1974-08-12"
    assert any(c["from"] == "O" and c["to"] == "0" for c in body["corrections"])


def test_cross_check_with_cyrillic_typed_name(uchet):
    body = uchet.http.post("/api/v1/documents/mrz", json={
        "text": SPECIMEN, "typed": {"surname": "Эрикссон", "birth_date": "1974-08-12"}}).json()
    assert "cross_check" in body and body["cross_check"]


def test_not_an_mrz(uchet):
    r = uchet.http.post("/api/v1/documents/mrz", json={"text": "hello\nworld"})
    assert r.status_code == 422 and r.json()["code"] in ("mrz_format", "mrz_unreadable")
    r = uchet.http.post("/api/v1/documents/mrz", json={"text": SPECIMEN, "typed": {"nationality": "x"}})
    assert r.status_code == 400 and r.json()["code"] == "unknown_field"


def test_image_is_read_by_ocr(uchet, tmp_path):
    gen = os.path.join(BUILD, "src/docs/mrzgen")
    if not os.path.exists(gen):
        pytest.skip("built without OCR")
    out = tmp_path / "imgs"
    out.mkdir()
    subprocess.run([gen, str(out), "1", "7"], check=True, capture_output=True)
    images = sorted(glob.glob(str(out / "*.png")) + glob.glob(str(out / "*.jpg")))
    assert images
    data = open(images[0], "rb").read()
    ctype = "image/png" if images[0].endswith(".png") else "image/jpeg"
    r = uchet.http.post("/api/v1/documents/mrz", content=data, headers={"content-type": ctype})
    assert r.status_code == 200, r.text
    assert r.json()["format"] in ("TD1", "TD2", "TD3", "MRV-A", "MRV-B")
