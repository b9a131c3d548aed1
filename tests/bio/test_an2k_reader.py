"""uchet's ANSI/NIST-ITL writer read back by an independent reader.

The C writer runs through `an2k_tool write` (tests/bio/an2k_tool.c) on a JSON
description with real PNG images made here; tests/bio/an2k_reader.py, written
from the standard's text and sharing nothing with the C code, reads every
field back and compares it with what was given. The same Python reader also
reads NIST's own transactions (../shared/data/an2k) and must agree, field by
field, with the C reader's dump of them.

Run: meson test -C build-asan an2k_independent_reader (sets AN2K_TOOL), or
  AN2K_TOOL=build-asan/src/bio/an2k_tool /usr/bin/python3 -m pytest -q tests/bio
"""
import json
import os
import struct
import subprocess
import sys
import zlib

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, HERE)

import an2k_reader as ar  # noqa: E402


def find_tool():
    env = os.environ.get("AN2K_TOOL")
    if env:
        return env
    for build in (os.environ.get("UCHET_BUILD", "build-asan"), "build", "build-asan"):
        p = os.path.join(ROOT, build, "src/bio/an2k_tool")
        if os.path.exists(p):
            return p
    pytest.skip("an2k_tool not built (set AN2K_TOOL or UCHET_BUILD)")


def nist_dir():
    for d in (os.environ.get("AN2K_DATA_DIR"), os.path.join(ROOT, "../shared/data/an2k"),
              os.path.join(ROOT, "../../shared/data/an2k")):
        if d and os.path.exists(os.path.join(d, "type9.an2k")):
            return d
    pytest.skip("NIST transactions absent: shared/ is not beside the clone")


def png(width, height, colour, seed):
    """A real PNG (8-bit grey colour 0, or RGB colour 2) with seeded content."""
    channels = 1 if colour == 0 else 3
    rows = []
    for y in range(height):
        row = bytes(((x * 7 + y * 13 + seed * 31 + (x * y) % 17) & 0xFF)
                    for x in range(width * channels))
        rows.append(b"\x00" + row)

    def chunk(kind, data):
        return (struct.pack(">I", len(data)) + kind + data
                + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF))

    ihdr = struct.pack(">IIBBBBB", width, height, 8, colour, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr)
            + chunk(b"IDAT", zlib.compress(b"".join(rows), 6)) + chunk(b"IEND", b""))


def png_size(data):
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and data[12:16] == b"IHDR"
    return struct.unpack(">II", data[16:24])


PERSON = {
    "surname": "Эргашев", "given_names": "Бахтиёр Ўткир ўғли",
    "surname_latin": "ERGASHEV", "given_latin": "BAKHTIYOR UTKIR UGLI",
    "birth_date": "19950412", "sex": "M", "citizenship": "UZB",
    "doc_code": "P", "doc_issuer": "UZB", "doc_number": "FA1234567", "doc_expiry": "20310630",
}


@pytest.fixture
def enrolment(tmp_path):
    """Writes images and a full description; returns (spec, images by name)."""
    images = {}

    def image(name, w, h, colour, ppi, seed):
        data = png(w, h, colour, seed)
        path = tmp_path / f"{name}.png"
        path.write_bytes(data)
        images[name] = data
        return {"file": str(path), "width": w, "height": h, "ppi": ppi}

    spec = {
        "tcn": "E2025-000777", "tot": "ENR", "dai": "AFIS01", "ori": "KIOSK07",
        "when": 1764846245,  # 2025-12-04 11:04:05 UTC
        "person": dict(PERSON),
        "slaps": [
            {"fgp": 13, "image": image("s13", 160, 120, 0, 500, 1),
             "seg": [[2, 2, 38, 5, 110], [3, 40, 78, 6, 111], [4, 80, 118, 7, 112]],
             "missing": [[5, "XX"]],
             "quality": [[2, 61, 0x1F2E, 3], [3, 47, 0x1F2E, 3], [4, 88, 0x1F2E, 3]]},
            {"fgp": 14, "image": image("s14", 160, 120, 0, 500, 2),
             "seg": [[7, 1, 39, 5, 100], [8, 41, 79, 5, 100], [9, 81, 119, 5, 100],
                     [10, 121, 159, 5, 100]],
             "quality": [[7, 50, 255, 1], [10, 0, 255, 1]]},
            {"fgp": 15, "image": image("s15", 100, 120, 0, 1000, 3),
             "seg": [[1, 5, 45, 10, 100]], "missing": [[6, "UP"]]},
        ],
        "palms": [
            {"fgp": 21, "image": image("p21", 200, 240, 0, 500, 4), "quality": [[21, 73, 48879, 9]]},
            {"fgp": 23, "image": image("p23", 200, 240, 0, 500, 5)},
        ],
        "face": {"image": image("face", 480, 600, 2, 300, 6), "sap": 30, "eyes": [281, 250, 199, 251]},
        "signature": [[10, 20, 0], [11, 25, 100], [40, 60, 254], [65535, 1, 1], [0, 0, 0]],
    }
    return spec, images, tmp_path


def write(spec, tmp_path, name="out.an2k"):
    sp = tmp_path / "spec.json"
    sp.write_text(json.dumps(spec, ensure_ascii=False), encoding="utf-8")
    out = tmp_path / name
    r = subprocess.run([find_tool(), "write", str(sp), str(out)], capture_output=True, text=True)
    return r, out


def test_writer_output_reads_back_field_by_field(enrolment):
    spec, images, tmp = enrolment
    r, out = write(spec, tmp)
    assert r.returncode == 0, r.stderr
    tx = ar.read(out.read_bytes())
    types = [rec.type for rec in tx.records]
    assert types == [1, 2, 14, 14, 14, 15, 15, 10, 8]

    t1 = tx.records[0]
    assert t1.text(2) == "0502"
    assert t1.fields[3][0] == [b"1", b"8"]
    assert [(int(e[0]), e[1].decode()) for e in t1.fields[3][1:]] == [
        (2, "00"), (14, "01"), (14, "02"), (14, "03"), (15, "04"), (15, "05"), (10, "06"), (8, "07")]
    assert t1.text(4) == "ENR"
    assert t1.text(5) == "20251204"
    assert t1.text(7) == "AFIS01"
    assert t1.text(8) == "KIOSK07"
    assert t1.text(9) == spec["tcn"]
    assert t1.text(11) == "00.00" and t1.text(12) == "00.00"
    assert t1.text(14) == "20251204110405Z"
    assert t1.fields[15] == [[b"3", b"UTF-8"]]
    assert t1.fields[13] == [[b"UCHET", b"1"]]
    # Fields ascending, each record's IDC as CNT says.
    for rec in tx.records:
        assert rec.order == sorted(rec.order) and len(set(rec.order)) == len(rec.order)
        if rec.type != 1:
            idc = rec.header["idc"] if rec.type == 8 else rec.number(2)
            assert idc == rec.cnt_idc

    t2 = tx.records[1]
    assert t2.text(10, 0, 0) == PERSON["surname"]
    assert t2.text(10, 0, 1) == PERSON["given_names"]
    assert t2.text(11, 0, 0) == PERSON["surname_latin"]
    assert t2.text(11, 0, 1) == PERSON["given_latin"]
    assert t2.text(12) == PERSON["birth_date"]
    assert t2.text(13) == PERSON["sex"]
    assert t2.text(14) == PERSON["citizenship"]
    assert [x.decode() for x in t2.fields[15][0]] == [
        PERSON["doc_code"], PERSON["doc_issuer"], PERSON["doc_number"], PERSON["doc_expiry"]]

    for rec, slap, name in zip(tx.records[2:5], spec["slaps"], ["s13", "s14", "s15"]):
        im = slap["image"]
        assert rec.number(3) == 0                      # live-scan plain
        assert rec.text(4) == "KIOSK07"
        assert rec.text(5) == "20251204"
        assert (rec.number(6), rec.number(7)) == (im["width"], im["height"])
        assert rec.number(8) == 1
        assert rec.number(9) == im["ppi"] and rec.number(10) == im["ppi"]
        assert rec.text(11) == "PNG"
        assert rec.number(12) == 8
        assert rec.number(13) == slap["fgp"]
        assert rec.image == images[name]
        assert png_size(rec.image) == (im["width"], im["height"])
        assert [[int(x) for x in sub] for sub in rec.fields[21]] == slap["seg"]
        want_amp = [[str(f).encode(), c.encode()] for f, c in slap.get("missing", [])]
        assert rec.fields.get(18, []) == want_amp
        want_q = [[str(f).encode(), str(s).encode(), b"%04X" % v, str(p).encode()]
                  for f, s, v, p in slap.get("quality", [])]
        assert rec.fields.get(24, []) == want_q
        assert rec.order[-1] == 999

    for rec, palm, name in zip(tx.records[5:7], spec["palms"], ["p21", "p23"]):
        assert rec.number(3) == 10                     # live-scan palm
        assert rec.number(13) == palm["fgp"]
        assert rec.text(11) == "PNG"
        assert rec.image == images[name]
        want_q = [[str(f).encode(), str(s).encode(), b"%04X" % v, str(p).encode()]
                  for f, s, v, p in palm.get("quality", [])]
        assert rec.fields.get(24, []) == want_q

    face = tx.records[7]
    assert face.text(3) == "FACE"
    assert face.text(12) == "SRGB"
    assert face.number(13) == 30
    assert face.text(20) == "F"
    assert (face.number(6), face.number(7)) == (480, 600)
    lx, ly, rx, ry = spec["face"]["eyes"]
    assert face.fields[29] == [[b"1", b"12.1", str(lx).encode(), str(ly).encode()],
                               [b"1", b"12.2", str(rx).encode(), str(ry).encode()]]
    assert face.image == images["face"]

    sig = tx.records[8]
    assert sig.header["sig"] == 0 and sig.header["srt"] == 2
    assert sig.header["hll"] == 0 and sig.header["vll"] == 0
    assert ar.vectors(sig) == [tuple(v) for v in spec["signature"]]

    # The C reader accepts its own output strictly, too.
    c = subprocess.run([find_tool(), "check", "--strict", str(out)], capture_output=True, text=True)
    assert c.returncode == 0 and c.stdout.strip() == "ok 9"


@pytest.mark.parametrize("path,value", [
    (("person", "sex"), "Q"),
    (("person", "birth_date"), "19950230"),
    (("person", "surname_latin"), "Ergashev"),
    (("tcn",), "E 1"),
    (("slaps", 0, "missing"), []),
    (("slaps", 0, "seg", 0, 2), 160),
    (("face", "sap"), 40),
    (("signature", 1, 2), 255),
])
def test_writer_refuses_bad_input(enrolment, path, value):
    spec, _, tmp = enrolment
    node = spec
    for k in path[:-1]:
        node = node[k]
    node[path[-1]] = value
    r, out = write(spec, tmp)
    assert r.returncode == 2
    assert r.stderr.startswith("error an2k_input:")
    assert not out.exists()


def test_writer_refuses_image_size_that_differs_from_png(enrolment):
    spec, _, tmp = enrolment
    spec["face"]["image"]["width"] = 481
    r, _ = write(spec, tmp)
    assert r.returncode == 2 and "an2k_input" in r.stderr


def test_independent_reader_rejects_damaged_output(enrolment):
    spec, _, tmp = enrolment
    spec["palms"] = []
    r, out = write(spec, tmp)
    assert r.returncode == 0, r.stderr
    data = out.read_bytes()
    ar.read(data)
    for cut in range(0, len(data), 7):
        with pytest.raises(ar.An2kError):
            ar.read(data[:cut])
    with pytest.raises(ar.An2kError):
        ar.read(data + b"\x00")


NIST = ["type9.an2k", "type9-efs.an2k", "type9-13.an2k", "type3.an2k", "type4-slaps.an2k",
        "type9-15.an2k"]


@pytest.mark.parametrize("name", NIST)
def test_both_readers_agree_on_nist_files(name):
    data = open(os.path.join(nist_dir(), name), "rb").read()
    tx = ar.read(data)
    r = subprocess.run([find_tool(), "dump", os.path.join(nist_dir(), name)],
                       capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    dump = json.loads(r.stdout)
    assert [d["type"] for d in dump] == [rec.type for rec in tx.records]
    for d, rec in zip(dump, tx.records):
        assert d["len"] == rec.len
        if d["binary"]:
            assert d["data_len"] == len(rec.image)
            continue
        c_fields = {}
        for f in d["fields"]:
            c_fields.setdefault(f["num"], f)
        assert [f["num"] for f in d["fields"]] == rec.order
        for num, subs in rec.fields.items():
            got = [[item.encode("latin-1") for item in sub] for sub in c_fields[num]["subfields"]]
            assert got == subs, (name, rec.type, num)
        if rec.image is not None:
            assert c_fields[999]["len"] == len(rec.image)


def test_nist_facts_through_the_independent_reader():
    d = nist_dir()
    t13 = ar.read(open(os.path.join(d, "type9-13.an2k"), "rb").read()).of_type(13)[0]
    assert t13.text(11) == "NONE"
    assert (t13.number(6), t13.number(7)) == (191, 357)
    assert t13.number(8) == 2 and t13.number(9) == 197 and t13.number(10) == 197
    assert 16 not in t13.fields and 17 not in t13.fields      # scan resolution 0
    assert t13.number(12) == 8
    assert t13.number(3) == 6                                 # latent photo
    assert len(t13.fields[13]) == 1
    t3 = ar.read(open(os.path.join(d, "type3.an2k"), "rb").read()).of_type(3)[0]
    assert (t3.header["hll"], t3.header["vll"]) == (402, 376)
    assert t3.header["fgp"] == [2] and t3.header["gca"] == 0 and t3.header["isr"] == 0
    tx4 = ar.read(open(os.path.join(d, "type4-slaps.an2k"), "rb").read())
    t4 = tx4.of_type(4)[0]
    assert (t4.header["hll"], t4.header["vll"]) == (1608, 1000)
    assert t4.header["fgp"] == [14] and t4.header["gca"] == 1
    assert tx4.records[0].text(11) == "19.69"
    assert not tx4.of_type(9)                                  # no minutiae
    t9 = ar.read(open(os.path.join(d, "type9.an2k"), "rb").read())
    assert [r.type for r in t9.records] == [1, 9]              # no image record
