"""The officers' TOTP secrets are sealed at rest (issue 15).

A database dump or a backup must not let anyone mint an officer's codes:
uchetd keeps each secret only sealed (XChaCha20-Poly1305 under a key from
totp_key_file, the officer's id bound as associated data), opens it only to
check a code, and seals at start the plain secrets of a database made before
this change. These tests read the rows themselves."""
import base64
import json
import os
import signal
import subprocess

import pytest

from conftest import (AUTHENTICATORS, BACKEND, OFFICER_PASSWORD, UCHETD, add_officer, clock_step, desk_credentials,
                      desk_enrol, free_port, totp_code, write_totp_key)


def raw_secret(b32):
    return base64.b32decode(b32 + "=" * (-len(b32) % 8))


def stored(uchet, login):
    """The officer's totp_secret column as bytes (b"" when NULL)."""
    hexed = "encode(totp_secret, 'hex')" if BACKEND == "postgres" else "hex(totp_secret)"
    (h,), = uchet.db.query(f"SELECT {hexed} FROM officers WHERE login = '{login}'")
    return bytes.fromhex(h)


def put(uchet, login, value):
    """Writes totp_secret directly, as an old uchetd (or an attacker with the
    database) would have."""
    lit = f"decode('{value.hex()}', 'hex')" if BACKEND == "postgres" else f"X'{value.hex()}'"
    uchet.db.query(f"UPDATE officers SET totp_secret = {lit} WHERE login = '{login}'")


def log_in(uchet, login, code):
    return uchet.http.post("/api/v1/desk/session", json={"login": login, "password": OFFICER_PASSWORD, "code": code})


def enrolled(uchet, role="registrar"):
    login = add_officer(uchet, role)
    desk_enrol(uchet, login)
    return login, AUTHENTICATORS[(uchet.db_url, login)]["secret"]


def test_the_database_holds_no_plain_secret_after_enrolment(uchet):
    login, b32 = enrolled(uchet)
    raw, col = raw_secret(b32), stored(uchet, login)
    assert len(col) > len(raw) and raw not in col and b32.encode() not in col
    assert b32.encode() not in col.upper() and b32.lower().encode() not in col
    assert raw not in uchet.logs() and b32.encode() not in uchet.logs(), "never logged"
    if BACKEND == "sqlite":   # nor anywhere in the file or its log, e.g. a page the enrolment's start wrote
        uchet.stop()
        for path in (uchet.db_url, uchet.db_url + "-wal"):
            if os.path.exists(path):
                data = open(path, "rb").read()
                assert raw not in data and b32.encode() not in data, path


def test_log_in_with_a_code_works_also_after_a_restart(uchet):
    login, _ = enrolled(uchet)
    assert uchet.http.post("/api/v1/desk/session", json=desk_credentials(uchet, login)).status_code == 201
    before = stored(uchet, login)
    uchet.stop()
    uchet.start()
    assert stored(uchet, login) == before, "a sealed secret is not sealed again"
    r = uchet.http.post("/api/v1/desk/session", json=desk_credentials(uchet, login))
    assert r.status_code == 201, r.text


def test_a_sealed_secret_moved_to_another_officers_row_does_not_open(uchet):
    anna, anna_b32 = enrolled(uchet)
    boris, boris_b32 = enrolled(uchet, "inspector")
    put(uchet, boris, stored(uchet, anna))
    step = clock_step(uchet) + 1
    r = log_in(uchet, boris, totp_code(anna_b32, step))
    assert r.status_code == 401 and r.json()["code"] == "bad_credentials", "Anna's secret does not open as Boris's"
    assert log_in(uchet, boris, totp_code(boris_b32, step)).status_code == 401
    assert b"desk.totp_unsealable" in uchet.logs(), "the operator hears of it"
    assert log_in(uchet, anna, totp_code(anna_b32, step)).status_code == 201, "Anna's own row still opens"
    # Boris is not locked out for good: a recovery code still lets him in
    r = uchet.http.post("/api/v1/desk/session", json={"login": boris, "password": OFFICER_PASSWORD,
                                                      "recovery_code": AUTHENTICATORS[(uchet.db_url, boris)]
                                                      ["recovery"].pop()})
    assert r.status_code == 201, r.text


def test_a_plain_secret_of_an_older_database_is_sealed_at_start_and_still_logs_in(uchet):
    login, b32 = enrolled(uchet)
    mid = add_officer(uchet, "auditor")   # an enrolment begun (plain secret, not yet confirmed) before the upgrade
    r = uchet.http.post("/api/v1/desk/session", json={"login": mid, "password": OFFICER_PASSWORD})
    assert r.status_code == 202
    mid_b32, mid_token = r.json()["secret"], r.json()["enrolment_token"]
    uchet.stop()
    raw = raw_secret(b32)
    put(uchet, login, raw)                 # as the old uchetd stored it
    put(uchet, mid, raw_secret(mid_b32))
    uchet.start()
    col = stored(uchet, login)
    assert col != raw and raw not in col and len(col) > len(raw), "sealed at start"
    assert raw_secret(mid_b32) not in stored(uchet, mid)
    r = uchet.http.post("/api/v1/desk/session", json=desk_credentials(uchet, login))
    assert r.status_code == 201, r.text
    r = uchet.http.post("/api/v1/desk/session/totp",
                        json={"enrolment_token": mid_token, "code": totp_code(mid_b32, clock_step(uchet))})
    assert r.status_code == 201, r.text
    (detail,), = uchet.db.query("SELECT detail FROM audit WHERE action = 'officer.totp_secrets_sealed'")
    assert json.loads(detail) == {"plain": 2, "rekeyed": 0}
    uchet.stop()
    uchet.start()
    assert uchet.db.scalar("SELECT COUNT(*) FROM audit WHERE action = 'officer.totp_secrets_sealed'") == 1, "once"


def start_fails(uchet, key_file, *, unset=False):
    """Runs uchetd with this key file; returns its stderr once it exits (it must)."""
    env = dict(os.environ)
    env.pop("UCHET_TOTP_KEY_FILE", None)
    if not unset:
        env["UCHET_TOTP_KEY_FILE"] = str(key_file)
    p = subprocess.Popen([UCHETD, "--database", uchet.db_url, "--listen", f"127.0.0.1:{free_port()}",
                          "--clock", uchet.clock, "--threads", "1"], env=env,
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        out, err = p.communicate(timeout=60)
    except subprocess.TimeoutExpired:
        p.send_signal(signal.SIGKILL)
        p.communicate()
        pytest.fail(f"uchetd started with totp_key_file {key_file}")
    assert p.returncode == 1
    return err


def test_a_missing_unreadable_or_malformed_key_file_stops_uchetd_at_start(uchet_factory, tmp_path):
    u = uchet_factory()
    assert "totp_key_file" in start_fails(u, "", unset=True)
    missing = tmp_path / "nowhere.key"
    err = start_fails(u, missing)
    assert "totp_key_file" in err and str(missing) in err
    short = tmp_path / "short.key"
    short.write_text(f"{os.urandom(8).hex()} {os.urandom(16).hex()}\n")
    short.chmod(0o600)
    assert "malformed" in start_fails(u, short)
    exposed = write_totp_key(tmp_path / "exposed.key")
    os.chmod(exposed, 0o644)
    assert "chmod 600" in start_fails(u, exposed)


def test_another_key_file_than_the_secrets_were_sealed_under_stops_uchetd_at_start(uchet, tmp_path):
    enrolled(uchet)
    uchet.stop()
    err = start_fails(uchet, write_totp_key(tmp_path / "other.key"))
    assert "totp_key_file" in err and "not" in err


def test_a_rotated_key_seals_every_secret_again_at_start_and_the_old_key_can_go(uchet):
    login, _ = enrolled(uchet)
    key_file = os.environ["UCHET_TOTP_KEY_FILE"]
    old_id = open(key_file).read().split()[0]
    assert stored(uchet, login)[4:12].hex() == old_id, "wrapped under the key file's key"
    uchet.stop()
    uchet.ctl("keys", "totp-rotate", "--key-file", key_file)
    lines = open(key_file).read().splitlines()
    assert len(lines) == 2 and lines[1].split()[0] == old_id and os.stat(key_file).st_mode & 0o777 == 0o600
    uchet.start()
    assert stored(uchet, login)[4:12].hex() == lines[0].split()[0], "sealed again under the new key"
    assert uchet.http.post("/api/v1/desk/session", json=desk_credentials(uchet, login)).status_code == 201
    uchet.stop()
    with open(key_file, "w") as f:        # the operator deletes the old line
        f.write(lines[0] + "\n")
    uchet.start()
    r = uchet.http.post("/api/v1/desk/session", json=desk_credentials(uchet, login))
    assert r.status_code == 201, r.text
    (detail,), = uchet.db.query("SELECT detail FROM audit WHERE action = 'officer.totp_secrets_sealed'")
    assert json.loads(detail) == {"plain": 0, "rekeyed": 1}
