"""An independent reader of ISO/IEC 19794-4:2011 finger and 19794-5:2011 face
image records, written for the tests from the record layouts (see
src/bio/iso19794.c's header comment for the field list and
tests/bio/iso19794/README for where the sample records come from). It shares
no code with src/bio/iso19794.c: the API tests use it to take the image out
of uchet-devsim's bioValue, and test_iso19794_reader.py checks it on MOSIP's
records.

    rec = read(data)   # -> Record(modality, position, quality, width, height, image_type, image)
"""
import struct
from collections import namedtuple

Record = namedtuple("Record", "modality position quality width height image_type image")

FINGER_CODES = {0: "raw", 1: "raw", 2: "wsq", 3: "jpeg", 4: "jp2", 5: "jp2", 6: "png"}
FACE_CODES = {0: "jpeg", 1: "jp2", 2: "jp2", 3: "png"}


class Bad(ValueError):
    pass


def _finger(b, at, cert):
    if cert:
        (ncert,) = struct.unpack_from(">B", b, at)
        at += 1 + 3 * ncert
    position, _no, _scale = struct.unpack_from(">BBB", b, at)
    at += 3 + 8 + 1   # four sampling rates, bit depth
    code, _impression, width, height, length = struct.unpack_from(">BBHHI", b, at)
    at += 10
    return position, width, height, FINGER_CODES.get(code), at, length


def _face(b, at):
    (landmarks,) = struct.unpack_from(">H", b, at)
    at += 17 + 8 * landmarks
    face_type, code, width, height = struct.unpack_from(">BBHH", b, at)
    at += 6 + 5   # sampling rate, post-processing, cross reference, colour space
    (length,) = struct.unpack_from(">I", b, at)
    if face_type & 0x80:
        raise Bad("3D face")
    return 0, width, height, FACE_CODES.get(code), at + 4, length


def read(b):
    """The record's one representation; raises Bad for anything else."""
    try:
        kind = {b"FIR\x00020\x00": "finger", b"FAC\x00030\x00": "face"}.get(bytes(b[:8]))
        if kind is None:
            raise Bad("not a 19794-4/-5:2011 record")
        total, nrepr, cert = struct.unpack_from(">IHB", b, 8)
        at = 16 if kind == "finger" else 17
        if total != len(b) or nrepr != 1:
            raise Bad("record length or representation count")
        (rlen,) = struct.unpack_from(">I", b, at)
        if at + rlen != len(b):
            raise Bad("representation length")
        nq = b[at + 18]
        quality = b[at + 19] if nq else 255
        at += 19 + 5 * nq
        if kind == "finger":
            position, width, height, image_type, at, length = _finger(b, at, cert)
        else:
            position, width, height, image_type, at, length = _face(b, at)
        if image_type is None or length == 0 or at + length > len(b):
            raise Bad("image type or length")
        return Record(kind, position, quality, width, height, image_type, bytes(b[at:at + length]))
    except struct.error as e:
        raise Bad(str(e)) from e
