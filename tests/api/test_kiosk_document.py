"""The passport page kept with the enrolment (issues 13, 14, 15).

The kiosk sends the document step as the document device's signed SBI
capture (or, when there is no scanner, a frame of its own camera, unsigned):
uchetd verifies the signature like any capture's, reads the zone off the
image itself, keeps the page sealed in the spool, and at submit puts it in
the ANSI/NIST-ITL transaction as a Type-20 source representation record.
The registrar holding the claim sees it at .../images/document. A real
uchet-devsim (device 4, the document scanner), both backends.

The module's tests share one uchetd with the kiosk API on (`kiosk`,
module-scoped, one xdist group): each adds its own kiosk, runs its own
session and makes its own officers, and looks only at what those made (its
session's spool file, its receipt, its own count of viewed images). No test
depends on another having run first (checked in file order, reversed, and
in two xdist workers).
"""
import base64
import json
import os

import pytest

from conftest import officer, sqlite_run_only
from test_kiosk import (CAMERA_PAGE, DETAILS, DEVSIM, SIGNATURE, STEPS, an2k_reader, b64d,  # noqa: F401
                        capture_and_post, dev, dev_reset, payload, start_kiosk)

pytestmark = [pytest.mark.skipif(not os.path.exists(DEVSIM), reason="uchet-devsim not built"),
              pytest.mark.xdist_group("kiosk_document")]


@pytest.fixture(scope="module")
def kiosk(module_uchet_factory, dev, tmp_path_factory):
    """The module's uchetd with the kiosk API on (see the module's text)."""
    return start_kiosk(module_uchet_factory, dev.trust, tmp_path_factory.mktemp("kiosk"))


def scan(dev, sid, prev):
    return dev.capture("document", sid, prev)


def finish(kiosk, dev, key, sid):
    assert kiosk.put(key, sid, "details", DETAILS).status_code == 200
    for step in STEPS:
        r, _ = capture_and_post(kiosk, dev, key, sid, step)
        assert r.status_code == 200, (step, r.text)
    assert kiosk.put(key, sid, "signature", {"points": SIGNATURE}).status_code == 200
    r = kiosk.u.http.post(f"/api/v1/kiosk/sessions/{sid}/submit", headers=key, timeout=120)
    assert r.status_code == 201, r.text
    return r.json()["receipt"]


def transaction(kiosk, sid, tmp_path):
    out = tmp_path / f"{sid}.an2k"
    kiosk.ctl("enrolment", "decrypt", "--key-file", kiosk.key_file, "--out", str(out),
              os.path.join(kiosk.dir, f"{sid}.an2k"))
    return an2k_reader.read(out.read_bytes())


def desk(u, method, path, hdr):
    return u.http.request(method, "/api/v1/desk/enrolments" + path, headers=hdr, timeout=60)


def test_scanned_page_kept_and_shown(kiosk, dev, tmp_path):
    key = kiosk.add()
    sid = kiosk.start(key)
    prev = kiosk.prev(key, sid)
    ans = scan(dev, sid, prev)
    page = b64d(payload(ans["biometrics"][0])["bioValue"])
    r = kiosk.put(key, sid, "document", {"sbi": ans})
    assert r.status_code == 200, r.text
    read = r.json()
    assert read["page"] == "scanner" and read["source"] == "image" and read["status"] in ("valid", "valid_after_repairs"), read
    # the scan continues the session's chain like any capture
    assert read["previous_hash"] == ans["biometrics"][0]["hash"] == kiosk.prev(key, sid) != prev
    spool = os.path.join(kiosk.dir, "sessions", f"{sid}.document")
    assert open(spool, "rb").read(8) == b"UCHETVT1"
    receipt = finish(kiosk, dev, key, sid)
    # the transaction holds the page as its last record, a Type-20, byte for byte
    tx = transaction(kiosk, sid, tmp_path)
    assert [rec.type for rec in tx.records][-1] == 20
    t20 = tx.of_type(20)[0]
    assert t20.image == page
    assert t20.text(11) == "PNG" and t20.text(20) == "document scanner (SBI)"
    assert not os.path.exists(spool)
    # the registrar holding the claim sees it, never cached, the view audited
    u = kiosk.u
    reg, other = officer(u, "registrar"), officer(u, "registrar")
    assert desk(u, "GET", f"/{receipt}/images/document", reg).json()["code"] == "enrolment_not_claimed"
    detail = desk(u, "GET", f"/{receipt}", reg).json()
    assert detail["document_check"]["page"] == "scanner"
    assert desk(u, "POST", f"/{receipt}/claim", reg).json()["claim"] == "mine"
    assert desk(u, "GET", f"/{receipt}/images/document", other).json()["code"] == "enrolment_claimed"
    before = [a for (a,) in u.db.query("SELECT action FROM audit")].count("enrolment.image_viewed")
    r = desk(u, "GET", f"/{receipt}/images/document", reg)
    assert r.status_code == 200, r.text
    assert r.headers["cache-control"] == "no-store" and r.headers["content-type"] == "image/png"
    assert r.content == page
    after = [a for (a,) in u.db.query("SELECT action FROM audit")].count("enrolment.image_viewed")
    assert after == before + 1


def test_page_with_bad_signature_refused(kiosk, dev):
    key = kiosk.add()
    sid = kiosk.start(key)
    prev = kiosk.prev(key, sid)
    ans = scan(dev, sid, prev)
    jws = ans["biometrics"][0]["data"]
    head, body, sig = jws.split(".")
    flipped = sig[:10] + ("A" if sig[10] != "A" else "B") + sig[11:]
    bad = json.loads(json.dumps(ans))
    bad["biometrics"][0]["data"] = ".".join([head, body, flipped])
    r = kiosk.put(key, sid, "document", {"sbi": bad})
    assert r.status_code == 422 and r.json()["code"] == "sbi_bad_signature", r.text
    # an unsigned page is not a scanner's either
    bad["biometrics"][0]["data"] = body
    r = kiosk.put(key, sid, "document", {"sbi": bad})
    assert r.status_code == 422 and r.json()["code"].startswith("sbi_"), r.text
    # another transaction's scan
    other = scan(dev, "f" * 32, "")
    r = kiosk.put(key, sid, "document", {"sbi": other})
    assert r.status_code == 422 and r.json()["code"] in ("sbi_wrong_transaction", "sbi_hash_mismatch"), r.text
    assert kiosk.prev(key, sid) == prev
    assert not os.path.exists(os.path.join(kiosk.dir, "sessions", f"{sid}.document"))
    # two forms at once, or none
    r = kiosk.put(key, sid, "document", {"sbi": ans, "text": "x"})
    assert r.status_code == 422 and r.json()["code"] == "invalid_body", r.text
    r = kiosk.put(key, sid, "document", {"camera": "%%%"})
    assert r.status_code == 422 and r.json()["code"] == "invalid_body", r.text
    # the good one still goes through
    assert kiosk.put(key, sid, "document", {"sbi": ans}).status_code == 200


@sqlite_run_only("test_kiosk_document.py::test_scanned_page_kept_and_shown")
def test_camera_page_kept_marked(kiosk, dev, tmp_path):
    key = kiosk.add()
    sid = kiosk.start(key)
    prev = kiosk.prev(key, sid)
    frame = open(CAMERA_PAGE, "rb").read()   # the Lithuanian specimen page, photographed
    r = kiosk.put(key, sid, "document", {"camera": base64.b64encode(frame).decode()})
    assert r.status_code == 200, r.text
    read = r.json()
    assert read["page"] == "camera" and read["fields"]["nationality"] == "LTU", read
    assert kiosk.prev(key, sid) == prev          # unsigned: the device chain does not move
    receipt = finish(kiosk, dev, key, sid)
    t20 = transaction(kiosk, sid, tmp_path).of_type(20)[0]
    assert t20.text(20) == "camera, not a certified scanner"
    assert t20.image.startswith(b"\x89PNG\r\n\x1a\n")   # the JPEG frame, kept as PNG
    u = kiosk.u
    reg = officer(u, "registrar")
    assert desk(u, "GET", f"/{receipt}", reg).json()["document_check"]["page"] == "camera"
    assert desk(u, "POST", f"/{receipt}/claim", reg).json()["claim"] == "mine"
    r = desk(u, "GET", f"/{receipt}/images/document", reg)
    assert r.status_code == 200 and r.content == t20.image


def test_typed_zone_keeps_no_page(kiosk, dev):
    key = kiosk.add()
    sid = kiosk.start(key)
    ans = scan(dev, sid, kiosk.prev(key, sid))
    assert kiosk.put(key, sid, "document", {"sbi": ans}).status_code == 200
    spool = os.path.join(kiosk.dir, "sessions", f"{sid}.document")
    assert os.path.exists(spool)
    text = "P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<\nL898902C36UTO7408122F1204159ZE184226B<<<<<10\n"
    r = kiosk.put(key, sid, "document", {"text": text})
    assert r.status_code == 200 and r.json()["page"] is None, r.text
    assert not os.path.exists(spool)
