"""The independent ISO/IEC 19794 reader (iso19794_reader.py) on MOSIP's
sample records: the facts below were read off the bytes by hand (xxd)."""
import os

import pytest

import iso19794_reader

DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "iso19794")

FACTS = [
    ("auth-left-index.iso", "finger", 7, 50, 280, 448, "jp2", 13009),
    ("auth-left-index-wsq.iso", "finger", 7, 50, 280, 448, "wsq", 9840),
    ("registration-left-index.iso", "finger", 7, 57, 280, 448, "jp2", 98650),
    ("auth-face.iso", "face", 0, 40, 240, 320, "jp2", 18419),
    ("registration-face.iso", "face", 0, 80, 240, 320, "jp2", 67014),
]


@pytest.mark.parametrize("name,modality,position,quality,width,height,image_type,length", FACTS)
def test_reads_mosip_records(name, modality, position, quality, width, height, image_type, length):
    with open(os.path.join(DIR, name), "rb") as f:
        rec = iso19794_reader.read(f.read())
    assert (rec.modality, rec.position, rec.quality, rec.width, rec.height, rec.image_type, len(rec.image)) == \
        (modality, position, quality, width, height, image_type, length)
    magic = b"\x00\x00\x00\x0cjP  " if image_type == "jp2" else b"\xff\xa0"
    assert rec.image.startswith(magic)


@pytest.mark.parametrize("cut", [0, 7, 16, 40, 69, 1000])
def test_refuses_a_cut_record(cut):
    with open(os.path.join(DIR, "registration-left-index.iso"), "rb") as f:
        data = f.read()
    with pytest.raises(iso19794_reader.Bad):
        iso19794_reader.read(data[:cut])
