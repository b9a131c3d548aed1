"""Backup and restore drills (docs/OPERATIONS.md): a backup taken while uchetd
serves writes restores into a database a fresh uchetd serves the same people
from, with the audit chain intact. SQLite: `uchetctl backup`; PostgreSQL:
pg_dump / pg_restore."""
import os
import subprocess
import threading

import pytest

import pg
from conftest import make_db_url


def _person_with_history(u):
    number, token = u.new_user()
    u.register(token)
    assert u.confirm(token).status_code == 201
    return number, token


def _confirm_until(u, token, stop, statuses):
    """Keeps writing while the backup runs, as a live service would."""
    while not stop.is_set():
        statuses.append(u.confirm(token).status_code)


def _serves_the_same_person(restored, number):
    token = restored.login(number)
    me = restored.me(token)
    assert me["registration"]["region"] == "77"
    assert restored.ctl("audit", "verify").stdout.startswith("intact:")


def test_sqlite_backup_while_serving_and_restore_drill(uchet_factory, tmp_path):
    u = uchet_factory()
    if u.db_url.startswith("postgresql://"):
        pytest.skip("SQLite drill")
    u.start()
    number, token = _person_with_history(u)
    backup = tmp_path / "backup" / "uchet-2025-10-31.db"
    backup.parent.mkdir()
    stop, statuses = threading.Event(), []
    writer = threading.Thread(target=_confirm_until, args=(u, token, stop, statuses))
    writer.start()
    try:
        out = u.ctl("backup", "--to", str(backup)).stdout
    finally:
        stop.set()
        writer.join()
    assert statuses and set(statuses) == {201}, "the service kept writing during the backup"
    assert "audit intact:" in out and f"backup written to {backup}" in out
    assert os.listdir(backup.parent) == [backup.name], "no partial file left behind"
    again = u.ctl("backup", "--to", str(backup), check=False)
    assert again.returncode == 1 and "exists" in again.stderr
    # The drill: a fresh uchetd on the copy serves the same person.
    u.stop()
    restored = uchet_factory(db_url=str(backup), init=False).start()
    _serves_the_same_person(restored, number)
    assert restored.db.scalar("SELECT COUNT(*) FROM confirmations") >= 1


def test_backup_command_explains_itself(uchet_factory, tmp_path):
    u = uchet_factory()
    r = u.ctl("backup", check=False)
    assert r.returncode == 2 and "--to FILE" in r.stderr
    r = u.ctl("backup", "--to", str(tmp_path / "copy.db"), check=False)
    if u.db_url.startswith("postgresql://"):
        assert r.returncode == 2 and "pg_dump" in r.stderr
    else:
        assert r.returncode == 0, r.stderr


def test_postgres_dump_and_restore_drill(uchet_factory, tmp_path, pg_server):
    if not pg_server:
        pytest.skip("PostgreSQL drill (UCHET_TEST_BACKEND=postgres)")
    u = uchet_factory().start()
    number, _ = _person_with_history(u)
    dump = tmp_path / "uchet.dump"
    subprocess.run([os.path.join(pg.PG_BIN, "pg_dump"), "--format=custom", f"--file={dump}", u.db_url],
                   check=True, capture_output=True)
    restored_url = make_db_url(tmp_path, pg_server)   # a new, empty database
    subprocess.run([os.path.join(pg.PG_BIN, "pg_restore"), "--no-owner", "--exit-on-error",
                    f"--dbname={restored_url}", str(dump)], check=True, capture_output=True)
    u.stop()
    restored = uchet_factory(db_url=restored_url, init=False).start()
    _serves_the_same_person(restored, number)
