"""The audit chain anchored outside the database (issue 12).

The attack: someone holding only the database deletes nine events and
recomputes the SHA-256 chain. The plain chain check cannot see it; the
checkpoints signed with the Ed25519 key (a file outside the database) can.
"""
import hashlib
import json
import os
import shutil
import subprocess

import pytest

from conftest import UCHETCTL, add_officer, copy_initialized, desk_login, officer
from test_audit_desk import verify  # the desk page's whole verification, step by step

# One worker runs the module, so `keyed_made` is made once (see conftest's
# pytest_configure: make check runs --dist loadgroup).
pytestmark = pytest.mark.xdist_group("audit_anchor")


def audit_hash(prev, seq, at, actor, action, subject, detail):
    """store/audit.c's audit_hash, for the attacker's recomputation."""
    m = b"uchet-audit-v1" + prev + seq.to_bytes(8, "big") + (at & (2**64 - 1)).to_bytes(8, "big")
    for f in (actor, action, subject, detail):
        b = f.encode()
        m += len(b).to_bytes(8, "big") + b
    return hashlib.sha256(m).digest()


def rewrite_chain(db, drop):
    """Deletes the events whose seq is in `drop`, renumbers the rest and
    recomputes every link: what an attacker with the database can do."""
    rows = db.query("SELECT seq, at, actor, action, subject, detail FROM audit ORDER BY seq")
    kept = [r for r in rows if int(r[0]) not in drop]
    pg = db.url.startswith("postgresql://")
    prev, values = b"\0" * 32, []
    for i, (_, at, actor, action, subject, detail) in enumerate(kept, start=1):
        h = audit_hash(prev, i, int(at), actor, action, subject, detail)
        blob = (lambda b: f"'\\x{b.hex()}'::bytea") if pg else (lambda b: f"X'{b.hex()}'")
        q = lambda s: "'" + s.replace("'", "''") + "'"
        values.append(f"({i}, {int(at)}, {q(actor)}, {q(action)}, {q(subject)}, {q(detail)}, {blob(prev)}, {blob(h)})")
        prev = h
    sql = ("DELETE FROM audit; INSERT INTO audit (seq, at, actor, action, subject, detail, prev_hash, hash) VALUES "
           + ", ".join(values) + ";")
    if pg:
        subprocess.run(["psql", "-q", "-d", db.url, "-c", "BEGIN; " + sql + " COMMIT;"], check=True)
    else:
        import sqlite3
        with sqlite3.connect(db.url) as c:
            c.executescript(sql)
    return len(rows) - len(kept)


def ctl(u, *args):
    return subprocess.run([UCHETCTL, "--database", u.db_url, "--clock", u.clock, *args],
                          capture_output=True, text=True)


@pytest.fixture(scope="module")
def keyed_made(module_uchet_factory):
    """What `keyed` hands each test, made once per module: a fresh audit key, uchetd started
    with it, four people who registered and confirmed three times each, and
    uchetd stopped (the last checkpoint is written at stop). Each test made
    all that itself before (an ASan start, five uchetctl runs, a graceful
    stop); now each takes a copy (`keyed`) of the same state."""
    u = module_uchet_factory()
    key = os.path.join(u.tmp, "audit.key")
    r = subprocess.run([UCHETCTL, "keys", "audit-init", "--key-file", key], capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    assert os.stat(key).st_mode & 0o777 == 0o600
    assert "secret" not in open(key + ".pub").read()
    u.extra_args += ["--audit-key-file", key]
    u.start()
    for _ in range(4):
        _, token = u.new_user()
        u.register(token)
        for _ in range(3):
            u.confirm(token)
    u.stop()   # the last checkpoint is written at stop
    return u, key


@pytest.fixture
def keyed(keyed_made, uchet_factory, tmp_path, pg_server):
    """A copy of keyed_made's state for one test, which may rewrite the chain,
    the checkpoints and the key files as it likes: its own database (a file
    copy, or CREATE DATABASE ... TEMPLATE), its own audit key, checkpoints,
    TOTP and VAPID key files (mode kept), uchetd not running."""
    made, made_key = keyed_made
    for name in os.listdir(made.tmp):
        src = os.path.join(made.tmp, name)
        if os.path.isfile(src) and (name.startswith(("audit.key", "uchet.db")) or name in ("totp.key", "vapid.pem")):
            shutil.copy2(src, tmp_path / name)
    url = copy_initialized(made.db_url, tmp_path, pg_server)
    key = str(tmp_path / "audit.key")
    args = ["--totp-key-file", str(tmp_path / "totp.key"), "--vapid-key-file", str(tmp_path / "vapid.pem"),
            "--audit-key-file", key]
    u = uchet_factory(db_url=url, init=False, extra_args=args)
    assert open(key + ".checkpoints").read() == open(made_key + ".checkpoints").read()
    return u, key


def test_rewrite_with_a_recomputed_chain_is_detected(keyed):
    u, key = keyed
    ok = ctl(u, "audit", "verify", "--key", key + ".pub")
    assert ok.returncode == 0, ok.stdout + ok.stderr
    assert "signed checkpoint(s) agree" in ok.stdout and " 0 later event(s)" in ok.stdout
    total = u.db.scalar("SELECT COUNT(*) FROM audit")
    assert total > 20
    dropped = rewrite_chain(u.db, set(range(5, 14)))
    assert dropped == 9
    # The attack works against the chain alone ...
    plain = ctl(u, "audit", "verify")
    assert plain.returncode == 0 and "intact" in plain.stdout, plain.stdout
    # ... and not against the signed checkpoints.
    r = ctl(u, "audit", "verify", "--key", key + ".pub")
    assert r.returncode == 1, r.stdout
    assert "REWRITTEN" in r.stdout


def test_truncated_tail_is_detected(keyed):
    u, key = keyed
    total = u.db.scalar("SELECT COUNT(*) FROM audit")
    rewrite_chain(u.db, {total})   # only the last event: the chain stays valid
    assert ctl(u, "audit", "verify").returncode == 0
    r = ctl(u, "audit", "verify", "--key", key)
    assert r.returncode == 1 and "REWRITTEN" in r.stdout, r.stdout


def test_forged_checkpoint_is_detected(keyed):
    u, key = keyed
    path = key + ".checkpoints"
    lines = open(path).read().splitlines()
    assert len(lines) >= 1   # the one written at stop at least
    f = lines[-1].split(" ")
    f[2] = ("0" if f[2][0] != "0" else "1") + f[2][1:]   # another hash, same signature
    open(path, "w").write("\n".join(lines[:-1] + [" ".join(f)]) + "\n")
    r = ctl(u, "audit", "verify", "--key", key)
    assert r.returncode == 1 and "FORGED" in r.stdout, r.stdout


def test_a_checkpoint_by_hand_and_a_wrong_key(keyed, tmp_path):
    u, key = keyed
    _, token = u.start().new_user()
    u.stop()
    r = ctl(u, "audit", "checkpoint", "--key", key)
    assert r.returncode == 0, r.stderr
    assert ctl(u, "audit", "verify", "--key", key).returncode == 0
    # The public half cannot sign; another key's .pub rejects every line.
    assert ctl(u, "audit", "checkpoint", "--key", key + ".pub").returncode == 1
    other = str(tmp_path / "other.key")
    subprocess.run([UCHETCTL, "keys", "audit-init", "--key-file", other], check=True, capture_output=True)
    r = ctl(u, "audit", "verify", "--key", other + ".pub", "--checkpoints", key + ".checkpoints")
    assert r.returncode == 1 and "FORGED" in r.stdout
    # audit-init never overwrites a key.
    again = subprocess.run([UCHETCTL, "keys", "audit-init", "--key-file", key], capture_output=True, text=True)
    assert again.returncode == 1


# --- the same check at the desk (issue 15) --------------------------------------
# The auditor's POST /api/v1/desk/audit/verify runs the checkpoint scan that
# `uchetctl audit verify --key` runs (store/anchor.h), after the chain walk.

def checkpoint_lines(key):
    return open(key + ".checkpoints").read().splitlines()


@pytest.fixture
def keyed_desk(keyed):
    """uchetd running again with its audit key (a checkpoint at start, as at
    the fixture's stop) and an auditor logged in at the desk."""
    u, key = keyed
    u.start()
    login = add_officer(u, "auditor")
    return u, key, login, desk_login(u, login)


def test_without_an_audit_key_the_desk_says_so_plainly(uchet):
    auditor = officer(uchet, "auditor")
    outcome = verify(uchet, auditor)[-1]
    assert outcome["state"] == "intact"
    assert outcome["checkpoints"] == {"configured": False}


def test_the_desk_checks_every_signed_checkpoint_in_steps(keyed_desk):
    u, key, _, auditor = keyed_desk
    lines = checkpoint_lines(key)
    assert len(lines) >= 2, "one written at the fixture's stop, one at this start"
    answers = verify(u, auditor, max_events=1)
    outcome = answers[-1]
    assert outcome["state"] == "intact", outcome
    assert outcome["checkpoints"] == {
        "configured": True, "verdict": "agree", "lines": len(lines), "valid": len(lines), "forged": 0,
        "last_seq": max(int(line.split(" ")[1]) for line in lines), "first_bad": None}
    phases = [a["phase"] for a in answers[:-1]]
    assert phases.count("checkpoints") >= len(lines) - 1, "one line a step: the progress shows them"
    assert phases == sorted(phases), "the chain first, then its checkpoints"
    event = u.db.query("SELECT detail FROM audit WHERE action = 'audit.chain_verified'")
    assert json.loads(event[-1][0])["checkpoints"] == "agree"
    assert ctl(u, "audit", "verify", "--key", key).returncode == 0


def test_an_altered_checkpoint_line_is_forged_at_the_desk_and_in_the_cli(keyed_desk):
    u, key, _, auditor = keyed_desk
    lines = checkpoint_lines(key)
    f = lines[0].split(" ")
    f[2] = ("0" if f[2][0] != "0" else "1") + f[2][1:]   # another hash, the same signature
    open(key + ".checkpoints", "w").write("\n".join([" ".join(f)] + lines[1:]) + "\n")
    outcome = verify(u, auditor, max_events=2)[-1]
    assert outcome["state"] == "forged", outcome
    cp = outcome["checkpoints"]
    assert cp["verdict"] == "forged" and cp["forged"] == 1 and cp["valid"] == len(lines) - 1
    assert cp["first_bad"] == {"line": 1, "seq": int(f[1]), "why": "bad_signature"}
    cli = ctl(u, "audit", "verify", "--key", key)
    assert cli.returncode == 1 and "FORGED" in cli.stdout and "line 1 (bad_signature)" in cli.stdout, cli.stdout
    event = u.db.query("SELECT detail FROM audit WHERE action = 'audit.chain_verified'")
    assert json.loads(event[-1][0])["checkpoints"] == "forged"


def test_a_chain_rewritten_after_a_checkpoint_is_rewritten_at_the_desk(keyed_desk):
    u, key, login, _ = keyed_desk
    u.stop()
    assert rewrite_chain(u.db, set(range(5, 14))) == 9   # the chain alone stays valid
    u.start()
    auditor = desk_login(u, login)
    outcome = verify(u, auditor)[-1]
    assert outcome["state"] == "rewritten", outcome
    cp = outcome["checkpoints"]
    assert cp["verdict"] == "rewritten"
    assert cp["first_bad"]["line"] == 1 and cp["first_bad"]["why"] in ("chain_differs", "chain_ends_before")
    cli = ctl(u, "audit", "verify", "--key", key)
    assert cli.returncode == 1 and "REWRITTEN" in cli.stdout
    assert f"line 1 ({cp['first_bad']['why']})" in cli.stdout, "the same verdict in both"
