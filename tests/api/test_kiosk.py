"""The enrolment kiosk API, end to end with a real uchet-devsim.

A device simulator (its key in a trust store shared with uchetd) captures a
seeded synthetic person; the test plays the kiosk page: it discovers the
devices, asks for each capture with the session id as transactionId and the
session's chain value as previousHash, and posts each raw SBI answer to
uchetd. Then it submits, decrypts the stored transaction with uchetctl and
checks that no image byte reached the database, its WAL or the logs. Every
failure the simulator can force is driven through the API as well.
Both backends (the session and enrolment rows live in the database).
"""
import base64
import glob
import json
import math
import os
import shutil
import subprocess
import sys
import time

import pytest

from conftest import BACKEND, ROOT, free_port, sqlite_run_only  # noqa: F401  free_port: test_kiosk_certified takes it from here
from devsim_helper import DEVSIM, STEPS, Devsim  # the device simulator (test_kiosk_* take it from here too)

sys.path.insert(0, os.path.join(ROOT, "tests", "bio"))
import an2k_reader  # noqa: E402  the independent reader (shares no code with src/bio/an2k*)
import iso19794_reader  # noqa: E402  the tests' reader of ISO/IEC 19794 records (none of src/bio/iso19794.c)

SPECIMEN = "P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<\nL898902C36UTO7408122F1204159ZE184226B<<<<<10\n"
DETAILS = {"surname": "Рахимов", "given_names": "Фаррух", "surname_latin": "RAKHIMOV",
           "given_names_latin": "FARRUKH", "birth_date": "1995-04-12", "sex": "M",
           "citizenship": "TJK", "document_number": "401234567", "document_expiry": "2030-01-31"}


def _signature():
    """A name written across the pad's middle, then underlined: two strokes
    (a pen-up point ends each), as the kiosk page sends them on its default
    pad (10000 x 5000 milli-inch)."""
    name = [[1500 + 80 * i, 2500 + round(900 * math.sin(i / 3)), 120] for i in range(63)]
    line = [[1200 + 580 * i, 1200 - 20 * i, 120] for i in range(11)]
    return name + [[name[-1][0], name[-1][1], 0]] + line + [[line[-1][0], line[-1][1], 0]]


SIGNATURE = _signature()

pytestmark = pytest.mark.skipif(not os.path.exists(DEVSIM), reason="uchet-devsim not built")


def b64d(s):
    return base64.urlsafe_b64decode(s + "=" * (-len(s) % 4))


def inner(bio_value, modality, position):
    """The PNG inside an SBI bioValue, which is an ISO/IEC 19794 record of
    `modality` ("finger" or "face") at `position` (19794-4's code; 0 for a face)."""
    rec = iso19794_reader.read(b64d(bio_value))
    assert (rec.modality, rec.position, rec.image_type) == (modality, position, "png")
    return rec.image


@pytest.fixture(scope="module")
def dev(tmp_path_factory):
    d = Devsim(str(tmp_path_factory.mktemp("kdev")))
    yield d
    d.stop()


@pytest.fixture(autouse=True)
def dev_reset(dev):
    dev.admin("reset", {})
    dev.admin("profile", {"seed": 7})


class Kiosk:
    def __init__(self, uchet, tmp):
        self.u = uchet
        self.dir = os.path.join(tmp, "enrolments")
        self.key_file = os.path.join(tmp, "enrolment.key")

    def ctl(self, *args, check=True):
        return self.u.ctl(*args, check=check)

    def add(self, name="Hall A"):
        out = self.ctl("kiosk", "add", name).stdout.strip().splitlines()
        return {"Authorization": f"Kiosk {out[-1]}"}

    def start(self, key):
        r = self.u.http.post("/api/v1/kiosk/sessions", headers=key)
        assert r.status_code == 201, r.text
        return r.json()["id"]

    def put(self, key, sid, path, body):
        return self.u.http.put(f"/api/v1/kiosk/sessions/{sid}/{path}", headers=key, json=body, timeout=120)

    def prev(self, key, sid):
        r = self.u.http.get(f"/api/v1/kiosk/sessions/{sid}", headers=key)
        assert r.status_code == 200, r.text
        return r.json()["previous_hash"]


def start_kiosk(uchet_factory, trust_dir, tmp_path):
    """A started uchetd with the kiosk API on: an enrolment key, and the
    device trust store trust_dir."""
    u = uchet_factory()
    k = Kiosk(u, str(tmp_path))
    k.ctl("keys", "enrolment-init", "--key-file", k.key_file)
    cfg = tmp_path / "kiosk.ini"
    cfg.write_text(f"[uchetd]\nenrolment_dir = {k.dir}\nenrolment_key_file = {k.key_file}\n"
                   f"sbi_trust_dir = {trust_dir}\nkiosk_idle_seconds = 600\n")
    u.extra_args += ["--config", str(cfg)]
    u.start()
    return k


@pytest.fixture
def kiosk(uchet_factory, dev, tmp_path):
    return start_kiosk(uchet_factory, dev.trust, tmp_path)


# A simulated enrolment costs seconds of devsim and ASan uchetd work. The
# tests below marked SHARED use one uchetd per module (`shared_kiosk`, one
# xdist group): each adds its own kiosk and runs its own sessions, and
# looks only at what those made (its session's files, its kiosk's audit
# rows) or at what must hold for every session (no image byte anywhere,
# every spooled file encrypted). `enrolment` is one whole enrolment on it,
# which test_whole_enrolment checks and test_rotation_reencrypts rotates a
# copy of. Tests that move the clock, count kiosks or wipe the spool keep a
# server of their own. None depends on another having run first (checked in
# file order, reversed, and in two xdist workers).
SHARED = pytest.mark.xdist_group("kiosk")


@pytest.fixture(scope="module")
def shared_kiosk(module_uchet_factory, dev, tmp_path_factory):
    return start_kiosk(module_uchet_factory, dev.trust, tmp_path_factory.mktemp("kiosk"))


@pytest.fixture(scope="module")
def enrolment(shared_kiosk, dev):
    """One whole enrolment by its own kiosk on the shared server, two fingers
    declared missing (one amputated, one bandaged without a reason given),
    and submitted. Besides the answers it keeps what the spool held while
    the session was open (name, first 8 bytes, mode of each file) and the
    submit's answer, for test_whole_enrolment to check."""
    kiosk = shared_kiosk
    dev.admin("reset", {})
    dev.admin("profile", {"seed": 7})
    name = f"Hall {os.urandom(4).hex()}"
    key = kiosk.add(name)
    sid, answers = full_session(kiosk, dev, key, {"slap-right": ["Right LittleFinger"], "thumbs": ["Left Thumb"]},
                                {"slap-right": {"Right LittleFinger": "amputated"}})
    spool = os.path.join(kiosk.dir, "sessions")
    spooled = []
    for f in sorted(os.listdir(spool)):
        path = os.path.join(spool, f)
        spooled.append((f, open(path, "rb").read(8), oct(os.stat(path).st_mode & 0o777)))
    t0 = time.monotonic()
    r = kiosk.u.http.post(f"/api/v1/kiosk/sessions/{sid}/submit", headers=key, timeout=120)
    print(f"submit: {1000 * (time.monotonic() - t0):.0f} ms")   # re-verify 6 captures, build, encrypt, store
    return {"kiosk": kiosk, "name": name, "key": key, "sid": sid, "answers": answers, "spooled": spooled,
            "submit": r}


def capture_and_post(kiosk, dev, key, sid, step, exceptions=(), reasons=None):
    ans = dev.capture(step, sid, kiosk.prev(key, sid), exceptions)
    body = {"sbi": ans}
    if exceptions:
        body["exceptions"] = list(exceptions)
    if reasons is not None:
        body["exception_reasons"] = reasons
    return kiosk.put(key, sid, f"captures/{step}", body), ans


# A real specimen data page the document check's tests hold (tests/mrz/real):
# what a kiosk camera sends when there is no scanner.
CAMERA_PAGE = os.path.join(ROOT, "tests", "mrz", "real", "100_pass-ltu.jpg")


def document_body(dev, kiosk, key, sid, page):
    """The document step's body: the zone's text (page False), the scanner's
    page (True or "scanner", as the kiosk page sends it) or a camera frame
    ("camera")."""
    if page == "camera":
        with open(CAMERA_PAGE, "rb") as f:
            return {"camera": base64.b64encode(f.read()).decode()}
    if page:
        return {"sbi": dev.capture("document", sid, kiosk.prev(key, sid))}
    return {"text": SPECIMEN}


def full_session(kiosk, dev, key, exceptions=None, reasons=None, page=False):
    """page: see document_body."""
    exceptions, reasons = exceptions or {}, reasons or {}
    assert {"1", "2", "3"} <= dev.discover()
    sid = kiosk.start(key)
    body = document_body(dev, kiosk, key, sid, page)
    r = kiosk.put(key, sid, "document", body)
    assert r.status_code == 200, r.text
    r = kiosk.put(key, sid, "details", DETAILS)
    assert r.status_code == 200, r.text
    answers = {}
    for step in STEPS:
        r, answers[step] = capture_and_post(kiosk, dev, key, sid, step, exceptions.get(step, ()), reasons.get(step))
        assert r.status_code == 200, (step, r.text)
        assert all(x["ok"] for x in r.json()["results"])
        answers[step]["uchet_results"] = r.json()["results"]
    r = kiosk.put(key, sid, "signature", {"points": SIGNATURE})
    assert r.status_code == 200, r.text
    return sid, answers


def all_bytes(kiosk):
    """The database (and its WAL) and the logs, as bytes."""
    u = kiosk.u
    out = [u.logs()]
    if BACKEND == "sqlite":
        for p in glob.glob(u.db_url + "*"):
            out.append(open(p, "rb").read())
    else:
        for table in ("enrolment_sessions", "enrolments", "kiosks"):
            out.append("\n".join("\t".join(r) for r in u.db.query(f"SELECT * FROM {table}")).encode())
    return b"".join(out)


@SHARED
def test_whole_enrolment(enrolment, tmp_path):
    kiosk, key, sid, answers, r = (enrolment[k] for k in ("kiosk", "key", "sid", "answers", "submit"))
    # two fingers declared missing: one amputated, one bandaged without a reason given (see `enrolment`)
    # the spool holds only encrypted files while the session is open
    spooled = enrolment["spooled"]
    assert len([f for f, _, _ in spooled if f.startswith(sid)]) == 7
    for f, head, mode in spooled:
        assert head == b"UCHETVT1", f
        assert mode == "0o600", f
    assert r.status_code == 201, r.text
    receipt = r.json()["receipt"]
    assert len(receipt) == 12 and receipt.isdigit()
    digits = [int(c) for c in receipt]
    luhn = sum(d if i % 2 == 0 else (d * 2 - 9 if d * 2 > 9 else d * 2) for i, d in enumerate(reversed(digits)))
    assert luhn % 10 == 0
    # the QR code the kiosk prints holds the number and nothing else: zbarimg
    # reads it from the rows drawn as a plain PBM, 8 pixels a module
    assert zbar_rows(r.json()["receipt_qr"], tmp_path) == receipt
    # the session's image data is gone; the transaction is one encrypted file
    assert not [f for f in os.listdir(os.path.join(kiosk.dir, "sessions")) if f.startswith(sid)]
    stored = os.path.join(kiosk.dir, f"{sid}.an2k")
    assert open(stored, "rb").read(8) == b"UCHETVT1"
    assert oct(os.stat(stored).st_mode & 0o777) == "0o600"
    # the session is closed
    again = kiosk.u.http.post(f"/api/v1/kiosk/sessions/{sid}/submit", headers=key)
    assert again.status_code == 409 and again.json()["code"] == "session_submitted"
    # status page
    st = kiosk.u.http.get(f"/api/v1/kiosk/enrolments/{receipt}/status", params={"birth_date": "1995-04-12"})
    assert st.status_code == 200 and st.json()["state"] == "pending" and st.json()["reason"] is None
    wrong = kiosk.u.http.get(f"/api/v1/kiosk/enrolments/{receipt}/status", params={"birth_date": "1995-04-13"})
    assert wrong.status_code == 404 and wrong.json()["code"] == "enrolment_not_found"
    bad = receipt[:-1] + str((int(receipt[-1]) + 1) % 10)
    assert kiosk.u.http.get(f"/api/v1/kiosk/enrolments/{bad}/status",
                            params={"birth_date": "1995-04-12"}).status_code == 404
    # the typed details reached the queue's row
    row = kiosk.u.db.query(f"SELECT state, surname_latin, citizenship FROM enrolments WHERE receipt = '{receipt}'")
    assert row == [("pending", "RAKHIMOV", "TJK")]
    # it decrypts with the key file; tampering is detected
    out = tmp_path / "txn.an2k"
    kiosk.ctl("enrolment", "decrypt", "--key-file", kiosk.key_file, "--out", str(out), stored)
    plain = out.read_bytes()
    assert plain.startswith(b"1.001:")
    check_transaction(an2k_reader.read(plain), sid, answers, missing={"Right LittleFinger": "XX", "Left Thumb": "UP"})
    face_png = inner(payload(answers["face"]["biometrics"][0])["bioValue"], "face", 0)
    broken = tmp_path / "broken.enc"
    data = bytearray(open(stored, "rb").read())
    data[len(data) // 2] ^= 1
    broken.write_bytes(bytes(data))
    r = kiosk.ctl("enrolment", "decrypt", "--key-file", kiosk.key_file, "--out", str(tmp_path / "x"),
                  str(broken), check=False)
    assert r.returncode == 1 and "damaged" in r.stderr
    # no image bytes, no base64 of them, anywhere in the database or the logs
    blob = all_bytes(kiosk)
    assert b"\x89PNG" not in blob
    assert b"FIR\x00020\x00" not in blob and b"FAC\x00030\x00" not in blob   # nor the records around them
    fragment = answers["slap-left"]["biometrics"][0]["data"].split(".")[1][4000:4064]
    assert len(fragment) == 64 and fragment.encode() not in blob
    assert base64.b64encode(face_png[1000:1048]) not in blob
    # every kiosk action is in the audit log under the kiosk
    kid = kiosk.u.db.query(f"SELECT id FROM kiosks WHERE name = '{enrolment['name']}'")[0][0]
    actions = [a for (a,) in kiosk.u.db.query(f"SELECT action FROM audit WHERE actor = 'kiosk:{kid}'")]
    assert actions.count("kiosk.step") == 9
    assert "kiosk.session_started" in actions and "kiosk.enrolment_submitted" in actions
    assert "kiosk.session_submitted" in actions


def zbar_rows(rows, tmp_path, scale=8, quiet=4):
    """What zbarimg reads from QR rows ("0"/"1", 1 = dark) drawn as a PBM."""
    n = len(rows)
    assert n >= 21 and all(len(row) == n and set(row) <= {"0", "1"} for row in rows)
    side = (n + 2 * quiet) * scale
    lines = []
    for y in range(side):
        my = y // scale - quiet
        line = ["1" if 0 <= my < n and 0 <= x // scale - quiet < n and rows[my][x // scale - quiet] == "1" else "0"
                for x in range(side)]
        lines.append(" ".join(line))
    path = tmp_path / "qr.pbm"
    path.write_text(f"P1\n{side} {side}\n" + "\n".join(lines) + "\n")
    out = subprocess.run(["zbarimg", "--raw", "-q", str(path)], capture_output=True, text=True)
    return out.stdout.strip()


def payload(entry):
    return json.loads(b64d(entry["data"].split(".")[1]))


FGP = {"Right Thumb": 1, "Right IndexFinger": 2, "Right MiddleFinger": 3, "Right RingFinger": 4,
       "Right LittleFinger": 5, "Left Thumb": 6, "Left IndexFinger": 7, "Left MiddleFinger": 8,
       "Left RingFinger": 9, "Left LittleFinger": 10}


def check_transaction(tx, sid, answers, missing):
    """Field by field, what the independent reader finds against what was captured."""
    t1 = tx.records[0]
    assert t1.text(9) == sid                                # TCN = the enrolment (session) id
    assert [r.type for r in tx.records] == [1, 2, 14, 14, 14, 15, 15, 10, 8]
    t2 = tx.of_type(2)[0]
    assert (t2.text(10, 0, 0), t2.text(10, 0, 1)) == (DETAILS["surname"], DETAILS["given_names"])
    assert (t2.text(11, 0, 0), t2.text(11, 0, 1)) == ("RAKHIMOV", "FARRUKH")
    assert t2.text(12) == "19950412" and t2.text(13) == "M" and t2.text(14) == "TJK"
    assert [t2.text(15, 0, i) for i in range(4)] == ["P", "TJK", "401234567", "20300131"]
    slaps = {r.number(13): r for r in tx.of_type(14)}
    assert set(slaps) == {13, 14, 15}
    for step, fgp in (("slap-left", 14), ("slap-right", 13), ("thumbs", 15)):
        rec, ans = slaps[fgp], answers[step]
        whole = inner(payload({"data": ans["customOpts"]["slap"]})["bioValue"], "finger", fgp)
        assert rec.image == whole                             # the whole slap, byte for byte
        segs = payload({"data": ans["customOpts"]["slap"]})["segments"]
        got = {int(s[0]): [int(x) for x in s[1:]] for s in rec.fields[21]}
        want = {FGP[g["bioSubType"]]: [g["left"], g["right"] - 1, g["top"], g["bottom"] - 1] for g in segs}
        assert got == want
        scores = {int(q[0]): int(q[1]) for q in rec.fields[24]}
        assert scores == {FGP[x["position"]]: x["quality"] for x in ans["uchet_results"]}   # uchet's own
        amp = {int(a[0]): a[1].decode() for a in rec.fields.get(18, [])}
        assert amp == {FGP[m]: code for m, code in missing.items()
                       if FGP[m] in {13: [2, 3, 4, 5], 14: [7, 8, 9, 10], 15: [1, 6]}[fgp]}
    palms = {r.number(13): r for r in tx.of_type(15)}
    assert palms[23].image == inner(payload(answers["palm-left"]["biometrics"][0])["bioValue"], "finger", 23)
    assert palms[21].image == inner(payload(answers["palm-right"]["biometrics"][0])["bioValue"], "finger", 21)
    assert tx.of_type(10)[0].image == inner(payload(answers["face"]["biometrics"][0])["bioValue"], "face", 0)
    assert an2k_reader.vectors(tx.of_type(8)[0]) == [tuple(p) for p in SIGNATURE]


@SHARED
def test_rotation_reencrypts(enrolment, tmp_path):
    """Rotation on a copy of the shared enrolment's directory (its stored
    transaction, an empty spool) and of the key file it was sealed with: the
    shared uchetd keeps its key; what is rotated is this test's own."""
    kiosk, sid = enrolment["kiosk"], enrolment["sid"]
    assert enrolment["submit"].status_code == 201, enrolment["submit"].text
    edir, key_file = tmp_path / "enrolments", str(tmp_path / "enrolment.key")
    os.makedirs(edir / "sessions")
    shutil.copy(os.path.join(kiosk.dir, f"{sid}.an2k"), edir)
    shutil.copy(kiosk.key_file, key_file)
    stored = str(edir / f"{sid}.an2k")
    before = open(stored, "rb").read()
    old_keys = open(key_file).read()
    out = kiosk.ctl("keys", "enrolment-rotate", "--key-file", key_file, "--dir", str(edir)).stdout
    assert "1 file(s) re-encrypted" in out
    after = open(stored, "rb").read()
    assert after[8:16] != before[8:16]             # another key id
    assert len(open(key_file).read().splitlines()) == 1
    kiosk.ctl("enrolment", "decrypt", "--key-file", key_file, "--out", str(tmp_path / "a"), stored)
    old = tmp_path / "old.key"
    old.write_text(old_keys)
    r = kiosk.ctl("enrolment", "decrypt", "--key-file", str(old), "--out", str(tmp_path / "b"), stored, check=False)
    assert r.returncode == 1 and "key" in r.stderr
    assert (tmp_path / "a").read_bytes().startswith(b"1.001:")


@SHARED
@sqlite_run_only("test_kiosk.py::test_whole_enrolment")
def test_capture_refusals(shared_kiosk, dev):
    kiosk = shared_kiosk
    key = kiosk.add()
    sid = kiosk.start(key)
    # low quality (wet, smudged prints: wetness spreads over the whole print,
    # where a smudge lands depends on the session id, i.e. on chance): uchet's
    # own per-finger scores, the device's beside them, a reason and advice;
    # nothing kept, chain unchanged
    dev.admin("profile", {"seed": 7, "finger": {"wet": 1.0, "smudge": 1.0}})
    r, _ = capture_and_post(kiosk, dev, key, sid, "slap-left")
    assert r.status_code == 422 and r.json()["code"] == "capture_quality_low", r.text
    res = r.json()["results"]
    assert len(res) == 4 and all(x["source"] == "uchet" and x["device_quality"] is not None for x in res)
    failed = [x for x in res if not x["ok"]]
    assert failed and all(x["reason"] and x["advice"] for x in failed)
    assert kiosk.prev(key, sid) == ""
    # a blurred face: the portrait check says why
    dev.admin("profile", {"seed": 7, "face": "blur"})
    r, _ = capture_and_post(kiosk, dev, key, sid, "face")
    assert r.status_code == 422 and r.json()["results"][0]["reason"] == "blurred", r.text
    dev.admin("reset", {})            # profile settings add up; start again from a clean one
    dev.admin("profile", {"seed": 7})
    # the device's own low score is kept beside uchet's, which decides
    dev.admin("score", {"qualityScore": 12})
    r, _ = capture_and_post(kiosk, dev, key, sid, "palm-right")
    assert r.status_code == 200, r.text
    assert r.json()["results"][0]["device_quality"] == 12 and r.json()["results"][0]["quality"] >= 40
    dev.admin("score", {"qualityScore": None})
    # a finger the scanner did not see, not declared: count mismatch
    dev.admin("profile", {"seed": 7, "missing": ["Left RingFinger"]})
    r, _ = capture_and_post(kiosk, dev, key, sid, "slap-left")
    assert r.status_code == 422 and r.json()["code"] == "finger_count_mismatch"
    assert r.json()["expected"] == 4 and r.json()["received"] == 3
    # declared as an exception: accepted
    r, _ = capture_and_post(kiosk, dev, key, sid, "slap-left", ["Left RingFinger"])
    assert r.status_code == 200, r.text
    assert [x["position"] for x in r.json()["results"]].count("Left RingFinger") == 0
    dev.admin("profile", {"seed": 7})
    # an exception that is not a finger of this slap
    r, _ = capture_and_post(kiosk, dev, key, sid, "thumbs", ["Right IndexFinger"])
    assert r.status_code == 422 and r.json()["code"] == "invalid_exceptions"
    # a reason for a finger not declared missing, and a reason that is not one
    for exc, why in (([], {"Left Thumb": "amputated"}), (["Left Thumb"], {"Left Thumb": "lost"}),
                     (["Left Thumb"], {"Left Thumb": 1}), (["Left Thumb"], ["amputated"])):
        r, _ = capture_and_post(kiosk, dev, key, sid, "thumbs", exc, why)
        assert r.status_code == 422 and r.json()["code"] == "invalid_exceptions", (exc, why, r.text)
    # signatures: unsigned, another device's key, a broken signature
    for mode, code in (("none", "sbi_unsigned"), ("untrusted", "sbi_unknown_key"), ("corrupt", "sbi_bad_signature")):
        dev.admin("signing", {"mode": mode})
        r, _ = capture_and_post(kiosk, dev, key, sid, "face")
        assert r.status_code == 422 and r.json()["code"] == code, (mode, r.text)
    dev.admin("signing", {"mode": "valid"})
    # reordered: two captures chained by the device, posted in the wrong order
    prev = kiosk.prev(key, sid)
    first = dev.capture("palm-left", sid, prev)
    second = dev.capture("palm-right", sid, first["biometrics"][-1]["hash"])
    r = kiosk.put(key, sid, "captures/palm-right", {"sbi": second})
    assert r.status_code == 422 and r.json()["code"] == "sbi_hash_mismatch"
    assert kiosk.put(key, sid, "captures/palm-left", {"sbi": first}).status_code == 200
    assert kiosk.put(key, sid, "captures/palm-right", {"sbi": second}).status_code == 200   # a retake
    # a capture of another transaction
    other = dev.capture("face", "f" * 32, kiosk.prev(key, sid))
    r = kiosk.put(key, sid, "captures/face", {"sbi": other})
    assert r.status_code == 422 and r.json()["code"] == "sbi_wrong_transaction"
    # a face answer posted as a palm
    face = dev.capture("face", sid, kiosk.prev(key, sid))
    r = kiosk.put(key, sid, "captures/palm-left", {"sbi": face})
    assert r.status_code == 422 and r.json()["code"] == "sbi_malformed" or r.json()["code"].startswith("sbi_")
    # submit before every step is done: what is missing
    r = kiosk.u.http.post(f"/api/v1/kiosk/sessions/{sid}/submit", headers=key)
    assert r.status_code == 409 and r.json()["code"] == "steps_missing"
    assert set(r.json()["missing"]) == {"details", "signature", "face", "slap-right", "thumbs"}
    # nothing of the refused captures was kept
    assert b"\x89PNG" not in all_bytes(kiosk)


def test_bad_bodies_and_auth(kiosk):
    key = kiosk.add()
    http = kiosk.u.http
    assert http.post("/api/v1/kiosk/sessions").status_code == 401
    assert http.post("/api/v1/kiosk/sessions", headers={"Authorization": "Kiosk " + "A" * 43}).status_code == 401
    sid = kiosk.start(key)
    # another kiosk cannot see this session
    other = kiosk.add("Hall B")
    r = http.get(f"/api/v1/kiosk/sessions/{sid}", headers=other)
    assert r.status_code == 404 and r.json()["code"] == "session_not_found"
    # a disabled kiosk is locked out at once
    kiosk.ctl("kiosk", "disable", "2")
    assert http.post("/api/v1/kiosk/sessions", headers=other).status_code == 401
    listed = kiosk.ctl("kiosk", "list").stdout.splitlines()
    assert len(listed) == 2 and listed[1].split("\t")[3] != "-"
    # details, strictly
    for change, code in (({"surname_latin": "Rakhimov"}, "invalid_latin_name"),
                         ({"birth_date": "1995-02-30"}, "invalid_date"),
                         ({"birth_date": "2030-01-01"}, "invalid_birth_date"),
                         ({"sex": "male"}, "invalid_type"),
                         ({"citizenship": "XYZ"}, "invalid_citizenship"),
                         ({"document_number": "40-1234"}, "invalid_document_number"),
                         ({"document_expiry": "2020-01-01"}, "document_expired"),
                         ({"eye_colour": "brown"}, "unknown_field")):
        r = kiosk.put(key, sid, "details", {**DETAILS, **change})
        assert 400 <= r.status_code < 500 and r.status_code != 404, (change, r.text)
        if code != "invalid_type":
            assert r.json()["code"] == code, (change, r.text)
    body = dict(DETAILS)
    del body["surname"]
    assert kiosk.put(key, sid, "details", body).json()["code"] == "missing_field"
    # captures: shape, size, media type
    r = kiosk.put(key, sid, "captures/face", {"sbi": {}, "extra": 1})
    assert r.status_code == 422 and r.json()["code"] == "invalid_body"
    r = kiosk.put(key, sid, "captures/face", {"sbi": {"biometrics": []}})
    assert r.status_code == 422 and r.json()["code"].startswith("sbi_")
    r = http.put(f"/api/v1/kiosk/sessions/{sid}/captures/face", headers={**key, "Content-Type": "text/plain"},
                 content=b"{}")
    assert r.status_code == 415
    r = http.put(f"/api/v1/kiosk/sessions/{sid}/captures/face", headers={**key, "Content-Type": "application/json"},
                 content=b"{\"sbi\": \"" + b"A" * (13 * 1024 * 1024) + b"\"}")
    assert r.status_code == 413 and r.json()["code"] == "body_too_large"
    assert http.put(f"/api/v1/kiosk/sessions/{sid}/captures/iris", headers=key, json={}).status_code == 404
    # signature
    assert kiosk.put(key, sid, "signature", {"points": [[1, 1, 0], [2, 2, 0]]}).json()["code"] == "signature_empty"
    assert kiosk.put(key, sid, "signature", {"points": [[1, 1, 9], [2, 2, 9]]}).json()["code"] == "signature_too_small"
    assert kiosk.put(key, sid, "signature", {"points": [[1, 1, 999], [2, 2, 9]]}).json()["code"] == "invalid_points"
    # status page input
    assert http.get("/api/v1/kiosk/enrolments/123/status", params={"birth_date": "1995-04-12"}).status_code == 404
    assert http.get("/api/v1/kiosk/enrolments/000000000000/status").status_code == 400


@SHARED
def test_signature_judged_by_sigcheck(shared_kiosk):
    """The signature step judges through bio/sigcheck (issue 13): a plain line
    or a scatter of dots is not a signature, and the pad the points were
    drawn on (declared, or the kiosk page's 10000 x 5000 milli-inch) bounds
    them and scales what counts as too small."""
    kiosk = shared_kiosk
    key = kiosk.add()
    sid = kiosk.start(key)

    def put(body):
        return kiosk.put(key, sid, "signature", body)

    # one straight slanted stroke: wide and tall enough, but a line
    line = [[1000 + 350 * i, 1000 + 100 * i, 150] for i in range(21)] + [[8000, 3000, 0]]
    r = put({"points": line})
    assert r.status_code == 422 and r.json()["code"] == "signature_too_simple", r.text
    assert "passport" in r.json()["detail"]
    # dots tapped across the pad, each a tiny pen-down run
    dots = []
    for i in range(12):
        x, y = 1500 + 600 * i, 1000 + 250 * (i % 5)
        dots += [[x, y, 150], [x + 3, y + 2, 150], [x + 3, y + 2, 0]]
    r = put({"points": dots})
    assert r.status_code == 422 and r.json()["code"] == "signature_too_simple", r.text
    # one dot: too small
    r = put({"points": [[5000, 2500, 150], [5004, 2503, 150], [5001, 2502, 150], [5001, 2502, 0]]})
    assert r.status_code == 422 and r.json()["code"] == "signature_too_small", r.text
    # the pad: a point off a declared pad, or off the default one
    r = put({"points": SIGNATURE, "pad": {"width": 4000, "height": 2000}})
    assert r.status_code == 422 and r.json()["code"] == "invalid_points", r.text
    shifted = [[x + 4000, y, p] for x, y, p in SIGNATURE]
    r = put({"points": shifted})
    assert r.status_code == 422 and r.json()["code"] == "invalid_points", r.text
    # on a pad four times as large the same signature is too small
    r = put({"points": SIGNATURE, "pad": {"width": 40000, "height": 20000}})
    assert r.status_code == 422 and r.json()["code"] == "signature_too_small", r.text
    # a bad pad, or an unknown field
    for pad, code in (({"width": 4000}, "missing_field"),
                      ({"width": 4000.0, "height": 2000}, "invalid_type"),
                      ({"width": "4000", "height": 2000}, "invalid_type"),
                      ({"width": True, "height": 2000}, "invalid_type"),
                      ({"width": 999, "height": 2000}, "out_of_range"),
                      ({"width": 4000, "height": 65536}, "out_of_range"),
                      ({"width": 4000, "height": 2000, "unit": "mm"}, "unknown_field"),
                      ([4000, 2000], "invalid_type")):
        r = put({"points": SIGNATURE, "pad": pad})
        assert 400 <= r.status_code < 500 and r.json()["code"] == code, (pad, r.text)
    r = put({"points": SIGNATURE, "colour": "blue"})
    assert 400 <= r.status_code < 500 and r.json()["code"] == "unknown_field", r.text
    # nothing refused was kept
    assert "signature" not in kiosk.u.http.get(f"/api/v1/kiosk/sessions/{sid}", headers=key).json()["steps"]
    # a real-looking signature: on the default pad, on the same pad declared,
    # and moved right on a larger declared pad
    r = put({"points": SIGNATURE})
    assert r.status_code == 200 and r.json()["strokes"] == 2, r.text
    r = put({"points": SIGNATURE, "pad": {"width": 10000, "height": 5000}})
    assert r.status_code == 200, r.text
    r = put({"points": shifted, "pad": {"width": 12000, "height": 6000}})
    assert r.status_code == 200, r.text


def test_idle_session_is_wiped(kiosk, dev):
    key = kiosk.add()
    sid = kiosk.start(key)
    quiet = kiosk.start(key)   # a second session, with no step at all
    r, _ = capture_and_post(kiosk, dev, key, sid, "face")
    assert r.status_code == 200
    spool = os.path.join(kiosk.dir, "sessions")
    assert os.listdir(spool) == [f"{sid}.face"]
    # 599 s later the session lives on (activity counts from the last step)
    kiosk.u.set_clock("2025-10-31T10:09:59+03:00")
    assert kiosk.u.http.get(f"/api/v1/kiosk/sessions/{sid}", headers=key).status_code == 200
    kiosk.u.set_clock("2025-10-31T10:10:01+03:00")
    assert os.listdir(spool) == [f"{sid}.face"]
    # a little past 600 s of idleness: the next kiosk request wipes it, a
    # read of another session too (its one statement sees that one is idle)
    kiosk.u.set_clock("2025-10-31T10:20:30+03:00")
    r = kiosk.u.http.get(f"/api/v1/kiosk/sessions/{quiet}", headers=key)
    assert r.status_code == 410 and r.json()["code"] == "session_expired"
    assert os.listdir(spool) == []
    other = kiosk.start(key)
    r = kiosk.u.http.get(f"/api/v1/kiosk/sessions/{sid}", headers=key)
    assert r.status_code == 410 and r.json()["code"] == "session_expired"
    assert kiosk.u.db.query(f"SELECT state, steps FROM enrolment_sessions WHERE id = '{sid}'") == [("wiped", "{}")]
    actions = [a for (a,) in kiosk.u.db.query("SELECT action FROM audit WHERE action LIKE 'kiosk.%'")]
    assert "kiosk.session_wiped" in actions
    # abandoning on purpose wipes at once
    assert kiosk.u.http.delete(f"/api/v1/kiosk/sessions/{other}", headers=key).status_code == 204
    assert kiosk.u.http.get(f"/api/v1/kiosk/sessions/{other}", headers=key).status_code == 410


def test_idle_session_is_wiped_with_no_kiosk_asking(kiosk, dev):
    """The wipe does not wait for a kiosk to speak again: a kiosk switched
    off mid-enrolment must not leave a face on disk (the scheduler wipes)."""
    key = kiosk.add()
    sid = kiosk.start(key)
    r, _ = capture_and_post(kiosk, dev, key, sid, "face")
    assert r.status_code == 200
    spool = os.path.join(kiosk.dir, "sessions")
    assert os.listdir(spool) == [f"{sid}.face"]
    kiosk.u.set_clock("2025-10-31T10:20:30+03:00")
    deadline = time.time() + 10
    while os.listdir(spool) and time.time() < deadline:
        time.sleep(0.1)
    assert os.listdir(spool) == []
    assert kiosk.u.db.query(f"SELECT state FROM enrolment_sessions WHERE id = '{sid}'") == [("wiped",)]


def test_kiosk_api_off_without_config(uchet):
    r = uchet.http.post("/api/v1/kiosk/sessions", headers={"Authorization": "Kiosk " + "A" * 43})
    assert r.status_code == 503 and r.json()["code"] == "kiosk_disabled"
