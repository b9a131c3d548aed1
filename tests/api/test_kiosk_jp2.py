"""A kiosk enrolment whose device sends JPEG 2000, as MOSIP's reference
device service and certified registration scanners do: uchet-devsim with
`--image-format jp2` wraps each finger, slap, palm and face in its ISO/IEC
19794 record as lossless JPEG 2000. uchetd verifies the chain over the
records as sent, decodes the images (bio/jp2), judges their quality and
keeps them as PNG in the ANSI/NIST transaction: the stored pixels are the
JPEG 2000's pixels, compared here with Pillow's reader (python3-pil), not
uchet's. The PNGs are spooled beside each capture, so that submit verifies
the captures again without decoding them again (its CPU time is printed, not
asserted: bench/kiosk/jp2_submit.sh). Damaged, truncated and over-large
JPEG 2000 in a record are the unit tests' (tests/unit/test_jp2.c,
test_sbi.c). Both backends.
"""
import io
import os
import subprocess

import pytest
from PIL import Image

from conftest import sqlite_run_only
from devsim_helper import DEVSIM, STEPS, Devsim
from test_kiosk import an2k_reader, b64d, dev_reset, full_session, iso19794_reader, kiosk, payload  # noqa: F401

pytestmark = pytest.mark.skipif(not os.path.exists(DEVSIM), reason="uchet-devsim not built")


@pytest.fixture(scope="module")
def dev(tmp_path_factory):
    """test_kiosk's device service, started with --image-format jp2."""
    d = Devsim(str(tmp_path_factory.mktemp("kdevjp2")), "--image-format", "jp2")
    yield d
    d.stop()


def jp2_in(bio_value, modality, position):
    """The JPEG 2000 file inside a bioValue's record."""
    rec = iso19794_reader.read(b64d(bio_value))
    assert (rec.modality, rec.position, rec.image_type) == (modality, position, "jp2")
    assert rec.image[:12] == b"\x00\x00\x00\x0cjP  \r\n\x87\n"
    return rec.image


def pixels(encoded):
    im = Image.open(io.BytesIO(encoded))
    im.load()
    return im.size, im.mode, im.tobytes()


def cpu_seconds(pid):
    """uchetd's user + system CPU time so far, all threads (proc(5))."""
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def test_help_names_the_option():
    out = subprocess.run([DEVSIM, "--help"], capture_output=True, text=True, check=True).stdout
    assert "--image-format png|jp2" in out
    bad = subprocess.run([DEVSIM, "--image-format", "wsq"], capture_output=True, text=True)
    assert bad.returncode == 2 and "png or jp2" in bad.stderr


@sqlite_run_only("test_kiosk.py::test_whole_enrolment")
def test_jp2_enrolment_kept_as_png(kiosk, dev, tmp_path):
    key = kiosk.add()
    # every capture accepted, uchet's own quality checks passed on the decoded images
    cpu0 = cpu_seconds(kiosk.u.proc.pid)
    sid, answers = full_session(kiosk, dev, key)
    print(f"steps CPU: {1000 * (cpu_seconds(kiosk.u.proc.pid) - cpu0):.0f} ms")
    face = jp2_in(payload(answers["face"]["biometrics"][0])["bioValue"], "face", 0)
    assert pixels(face)[:2] == ((720, 900), "RGB")
    # each capture's decoded images are spooled beside it, sealed like it, for
    # submit to verify the capture again without decoding it again
    spool = os.path.join(kiosk.dir, "sessions")
    decoded = sorted(f for f in os.listdir(spool) if f.startswith(sid) and f.endswith(".decoded"))
    assert decoded == sorted(f"{sid}.{step}.decoded" for step in STEPS)
    for f in decoded:
        assert open(os.path.join(spool, f), "rb").read(8) == b"UCHETVT1"
        assert oct(os.stat(os.path.join(spool, f)).st_mode & 0o777) == "0o600"
    cpu0 = cpu_seconds(kiosk.u.proc.pid)
    r = kiosk.u.http.post(f"/api/v1/kiosk/sessions/{sid}/submit", headers=key, timeout=120)
    # measured, not asserted (bench/kiosk/jp2_submit.sh, docs/BENCHMARKS.md)
    print(f"submit CPU: {1000 * (cpu_seconds(kiosk.u.proc.pid) - cpu0):.0f} ms")
    assert r.status_code == 201, r.text
    assert not [f for f in os.listdir(spool) if f.startswith(sid)]
    out = tmp_path / "txn.an2k"
    kiosk.ctl("enrolment", "decrypt", "--key-file", kiosk.key_file, "--out", str(out),
              os.path.join(kiosk.dir, f"{sid}.an2k"))
    tx = an2k_reader.read(out.read_bytes())
    assert [r.type for r in tx.records] == [1, 2, 14, 14, 14, 15, 15, 10, 8]
    # the transaction keeps PNG (CGA), whose pixels are the lossless JPEG 2000's
    kept = {("finger", rec.number(13)): rec for rec in tx.of_type(14) + tx.of_type(15)}
    kept[("face", 0)] = tx.of_type(10)[0]
    sent = {("finger", 14): payload({"data": answers["slap-left"]["customOpts"]["slap"]})["bioValue"],
            ("finger", 13): payload({"data": answers["slap-right"]["customOpts"]["slap"]})["bioValue"],
            ("finger", 15): payload({"data": answers["thumbs"]["customOpts"]["slap"]})["bioValue"],
            ("finger", 23): payload(answers["palm-left"]["biometrics"][0])["bioValue"],
            ("finger", 21): payload(answers["palm-right"]["biometrics"][0])["bioValue"],
            ("face", 0): payload(answers["face"]["biometrics"][0])["bioValue"]}
    assert set(kept) == set(sent)
    for (modality, position), bio_value in sent.items():
        rec = kept[(modality, position)]
        assert rec.image.startswith(b"\x89PNG\r\n\x1a\n"), (modality, position)
        assert rec.text(11) == "PNG", (modality, position)   # CGA of Types 14, 15 and 10
        assert pixels(rec.image) == pixels(jp2_in(bio_value, modality, position)), (modality, position)

