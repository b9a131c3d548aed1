"""Product rule 3: the coordinates of a confirmation are never stored or logged.

Distinctive coordinates are sent; afterwards neither the database file, nor
its WAL, nor the server's log contains them in any form we can think of:
decimal text at several precisions and the IEEE-754 bytes in both orders.
"""
import glob
import os
import struct

import pytest

LAT, LON = 55.712345678901, 37.698765432101    # nowhere near the residence


def needles():
    out = []
    for v in (LAT, LON):
        for digits in (4, 5, 6, 9, 12):
            out.append(f"{v:.{digits}f}".encode())
        out.append(repr(v).encode())
        out.append(struct.pack("<d", v))
        out.append(struct.pack(">d", v))
    return out


def test_confirmation_coordinates_leave_no_trace(uchet):
    if uchet.db_url.startswith("postgres"):
        pytest.skip("file-level check is for SQLite; PostgreSQL is checked with a query below")
    _, token = uchet.new_user()
    uchet.register(token)
    for i in range(20):
        r = uchet.confirm(token, lat=LAT, lon=LON, accuracy=5 + i)
        assert r.status_code == 201
    # Also a rejected one and a too-inaccurate one.
    uchet.confirm(token, lat=LAT, lon=LON, accuracy=900)
    uchet.http.post("/api/v1/me/confirmations", headers=uchet.auth(token),
                    json={"lat": LAT, "lon": LON, "accuracy_m": 5, "client_time": "x", "idempotency_key": "abcdefgh"})
    # While uchetd runs, the commits sit in the WAL (the checkpoint copies
    # them into the database file, and a clean stop deletes the WAL): look at
    # it now, then at the database file and the log after the stop.
    wal = uchet.db_url + "-wal"
    assert os.path.isfile(wal) and os.path.getsize(wal) > 0, "the WAL the confirmations went through"
    assert_no_needles(wal, open(wal, "rb").read())
    assert uchet.stop() == 0
    files = [f for f in glob.glob(uchet.db_url + "*") if os.path.isfile(f)]
    assert uchet.db_url in files
    for path in files + [uchet.log_path]:
        assert_no_needles(path, open(path, "rb").read())


def assert_no_needles(path, data):
    for n in needles():
        assert n not in data, f"{n!r} found in {os.path.basename(path)}"


def test_no_coordinates_in_postgres(uchet):
    if not uchet.db_url.startswith("postgres"):
        pytest.skip("PostgreSQL only")
    _, token = uchet.new_user()
    uchet.register(token)
    for i in range(5):
        assert uchet.confirm(token, lat=LAT, lon=LON, accuracy=5 + i).status_code == 201
    dump = "\n".join("\t".join(r) for t in ("confirmations", "audit", "registration_rows")
                     for r in uchet.db.query(f"SELECT * FROM {t}"))
    for n in needles()[:5] + needles()[8:13]:
        assert n.decode(errors="ignore") not in dump
    assert b"55.7123" not in uchet.logs() and b"37.6987" not in uchet.logs()
