"""The document check through its HTTP door (the library has its own unit tests).

The check keeps nothing: the module's tests share one uchetd (`uchet`
below, one xdist group), in any order."""
import glob
import os
import subprocess

import pytest

from conftest import BUILD

pytestmark = pytest.mark.xdist_group("documents")


@pytest.fixture(scope="module")
def uchet(module_uchet_factory):
    """The module's uchetd (see above), in place of conftest's one per test."""
    return module_uchet_factory().start()

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


def test_typed_text_is_never_repaired(uchet):
    broken = SPECIMEN.replace("7408122F", "74O8122F")   # letter O where a digit must be
    r = uchet.http.post("/api/v1/documents/mrz", json={"text": broken})
    assert r.status_code == 200
    body = r.json()
    assert body["source"] == "text" and body["status"] == "invalid" and body["valid"] is False
    assert body["repairs"] == [] and body["mrz"] == body["mrz_as_read"]
    assert body["fields"]["birth_date"] is None
    assert {"field": "birth_date", "line": 2, "position": 16, "from": "O", "to": "0"}.items() <= \
        body["suggestions"][0].items()
    assert [f["field"] for f in body["faults"]] == ["birth_date"]


def test_wrong_check_digit_is_blamed_not_repaired(uchet):
    # The document number check digit 6 typed as 7, and a look-alike in the
    # document number: neither is ever turned into "valid".
    for text, blamed in ((SPECIMEN.replace("C36UTO", "C37UTO"), "document_number_check_digit"),
                         (SPECIMEN.replace("L898902C3", "L8989O2C3"), "document_number")):
        body = uchet.http.post("/api/v1/documents/mrz", json={"text": text}).json()
        assert body["status"] == "invalid" and body["repairs"] == []
        assert [(f["field"], f["sure"]) for f in body["faults"]] == [(blamed, True)]
        failed = [c["name"] for c in body["checks"] if not c["passed"]]
        assert "document_number_check_digit" in failed


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
    body = r.json()
    assert body["format"] in ("TD1", "TD2", "TD3", "MRV-A", "MRV-B")
    assert body["source"] == "image"
    assert body["status"] in ("valid", "valid_after_repairs", "invalid")
    for rep in body["repairs"]:
        assert rep["why"] in ("field_type", "field_type_and_reader", "reader_candidate")
