"""An independent reader of ANSI/NIST-ITL 1-2011 (Update 2015) transactions,
traditional encoding, written from the standard's text for the tests. It
shares nothing with uchet's C reader or writer (src/bio/an2k*.c): different
language, different method (Type-1 is cut at its first FS, which the standard
allows because Type-1 is 7-bit text; tagged records are split on GS after the
image field is taken off by LEN), and no constants taken from the C code.

What the standard says, as used here:
- A transaction is a Type-1 record followed by the records its field 1.003
  CNT lists, in that order. CNT's first subfield is "1" US count; each further
  subfield is record-type US IDC.
- Tagged records (Types 1, 2, 9-99) are "T.NNN:value" fields separated by GS
  (0x1D), the record ending with FS (0x1C). Subfields are separated by RS
  (0x1E), items by US (0x1F). The first field is LEN, the byte length of the
  whole record including its own digits and the FS; the second is IDC (VER for
  Type-1). Field 999 holds binary image data and is the last field.
- Binary records Types 3-6 have an 18-byte header: LEN (4 bytes, big-endian),
  IDC, IMP, FGP (6 bytes), ISR, HLL (2), VLL (2), GCA; Type-8 a 12-byte header:
  LEN (4), IDC, SIG, SRT, ISR, HLL (2), VLL (2); Type-7: LEN (4), IDC.
- Type-8 SRT 2: 5-byte pen vectors X (2), Y (2), pressure; pressure 255 marks
  the end of the list.
"""

FS, GS, RS, US = 0x1C, 0x1D, 0x1E, 0x1F
BINARY_HEADERS = {3: 18, 4: 18, 5: 18, 6: 18, 7: 5, 8: 12}
DEFINED_TYPES = set(range(1, 23)) | {98, 99}


class An2kError(ValueError):
    """The bytes are not a well-formed transaction."""


class Record:
    def __init__(self, rtype, length):
        self.type = rtype
        self.len = length
        self.fields = {}        # num -> list of subfields, each a list of items (bytes)
        self.order = []         # field numbers in file order
        self.image = None       # bytes of field 999 or of the binary data
        self.header = {}        # binary records: decoded header

    def item(self, num, sub=0, it=0):
        return self.fields[num][sub][it]

    def text(self, num, sub=0, it=0):
        return self.item(num, sub, it).decode("utf-8")

    def number(self, num, sub=0, it=0):
        raw = self.item(num, sub, it)
        if not raw.isdigit():
            raise An2kError(f"field {self.type}.{num:03d} is not a number")
        return int(raw)


class Transaction:
    def __init__(self):
        self.records = []

    def of_type(self, rtype):
        return [r for r in self.records if r.type == rtype]


def _split_value(value):
    return [sub.split(bytes([US])) for sub in value.split(bytes([RS]))]


def _parse_fields(rtype, body, record):
    """body: the record without its final FS; fields separated by GS."""
    image_tag = f"{rtype}.999:".encode()
    image_at = -1
    # The image field is last: find its tag at a field boundary.
    search = 0
    while True:
        k = body.find(image_tag, search)
        if k < 0:
            break
        if k == 0 or body[k - 1] == GS:
            image_at = k
            break
        search = k + 1
    text = body if image_at < 0 else body[:max(image_at - 1, 0)]
    if image_at >= 0:
        record.image = body[image_at + len(image_tag):]
    for raw in text.split(bytes([GS])) if text else []:
        colon = raw.find(b":")
        if colon < 0:
            raise An2kError(f"a Type-{rtype} field has no tag")
        tag = raw[:colon].decode("ascii", "replace")
        parts = tag.split(".")
        if len(parts) != 2 or not parts[0].isdigit() or not parts[1].isdigit():
            raise An2kError(f"bad tag {tag!r} in a Type-{rtype} record")
        num = int(parts[1])
        if FS in raw[colon + 1:]:
            raise An2kError(f"FS inside a Type-{rtype} record")
        record.fields.setdefault(num, _split_value(raw[colon + 1:]))
        record.order.append(num)
    if image_at >= 0:
        record.order.append(999)


def _tagged(data, pos, rtype):
    head = data[pos:pos + 24]
    prefix = f"{rtype}.001:".encode()
    if not head.startswith(prefix):
        raise An2kError(f"record at {pos} does not start with {prefix!r}")
    gs = head.find(bytes([GS]), len(prefix))
    if gs < 0:
        raise An2kError("LEN is not followed by GS within 24 bytes")
    digits = head[len(prefix):gs]
    if not digits.isdigit():
        raise An2kError("LEN is not a number")
    length = int(digits)
    if pos + length > len(data):
        raise An2kError("record runs past the end")
    rec = data[pos:pos + length]
    if length < 2 or rec[-1] != FS:
        raise An2kError("record does not end with FS at its LEN")
    record = Record(rtype, length)
    _parse_fields(rtype, rec[:-1], record)
    if record.order[:2] != [1, 2]:
        raise An2kError("the first two fields are not 001 and 002")
    return record


def _binary(data, pos, rtype):
    hdr = BINARY_HEADERS[rtype]
    if pos + hdr > len(data):
        raise An2kError("binary header runs past the end")
    length = int.from_bytes(data[pos:pos + 4], "big")
    if length < hdr or pos + length > len(data):
        raise An2kError("binary LEN out of range")
    rec = data[pos:pos + length]
    record = Record(rtype, length)
    h = record.header
    h["idc"] = rec[4]
    if rtype in (3, 4, 5, 6):
        h.update(imp=rec[5], fgp=[b for b in rec[6:12] if b != 255], isr=rec[12],
                 hll=int.from_bytes(rec[13:15], "big"), vll=int.from_bytes(rec[15:17], "big"),
                 gca=rec[17])
    elif rtype == 8:
        h.update(sig=rec[5], srt=rec[6], isr=rec[7], hll=int.from_bytes(rec[8:10], "big"),
                 vll=int.from_bytes(rec[10:12], "big"))
    record.image = rec[hdr:]
    return record


def read(data):
    """Parses a whole transaction; raises An2kError."""
    data = bytes(data)
    end1 = data.find(bytes([FS]))
    if end1 < 0:
        raise An2kError("no FS: no Type-1 record")
    t1 = _tagged(data, 0, 1)
    if t1.len != end1 + 1:
        raise An2kError("Type-1 LEN is not the position of its FS")
    if any(b > 0x7F for b in data[:end1]):
        raise An2kError("Type-1 is not 7-bit ASCII")
    cnt = t1.fields.get(3)
    if not cnt or cnt[0][0] != b"1" or len(cnt[0]) != 2:
        raise An2kError("CNT does not start with 1 US count")
    listed = cnt[1:]
    if int(cnt[0][1]) != len(listed):
        raise An2kError("CNT count differs from its list")
    tx = Transaction()
    tx.records.append(t1)
    pos = t1.len
    type2 = 0
    for entry in listed:
        if len(entry) != 2 or not entry[0].isdigit() or not entry[1].isdigit():
            raise An2kError("CNT entry is not type US IDC")
        rtype, idc = int(entry[0]), int(entry[1])
        if rtype not in DEFINED_TYPES or rtype == 1:
            raise An2kError(f"record type {rtype} not allowed here")
        type2 += rtype == 2
        if type2 > 1:
            raise An2kError("two Type-2 records")
        if pos >= len(data):
            raise An2kError("data ends before the records CNT lists")
        rec = _binary(data, pos, rtype) if rtype in BINARY_HEADERS else _tagged(data, pos, rtype)
        rec.cnt_idc = idc
        tx.records.append(rec)
        pos += rec.len
    if pos != len(data):
        raise An2kError("bytes after the last record")
    return tx


def vectors(rec):
    """Type-8 SRT 2 pen vectors as (x, y, pressure), the end marker excluded."""
    img = rec.image
    if len(img) % 5 or not img or img[-1] != 255:
        raise An2kError("vector data is not 5-byte vectors ending in 255")
    out = []
    for k in range(0, len(img) - 5, 5):
        out.append((int.from_bytes(img[k:k + 2], "big"), int.from_bytes(img[k + 2:k + 4], "big"),
                    img[k + 4]))
    return out
