"""The auditor's verification of the chain on PostgreSQL (issue 18: each
read one round trip). A step of the chain was BEGIN, the officer's session,
the chain's head (first step), the events and the end: five round trips,
four on later steps; now one statement (store/auditview.c). Counted on the
event loop's connection, as tests/api/test_pg.py counts the desk's reads."""
from conftest import make_db_url, officer
from test_pg import HAVE_PG, _metric_labeled, pg_url  # noqa: F401 (pg_url is a fixture)

import pytest

pytestmark = pytest.mark.skipif(not HAVE_PG, reason="PostgreSQL 15 server package not installed")
TRIPS = 'uchet_db_round_trips_total{conn="loop"}'


def verify_counting(u, desk, max_events):
    """A whole verification in steps of max_events; the answers and each
    request's round trips."""
    answers, trips, body = [], [], {"max_events": max_events}
    while True:
        before = _metric_labeled(u, TRIPS)
        r = u.http.post("/api/v1/desk/audit/verify", headers=desk, json=body)
        trips.append(_metric_labeled(u, TRIPS) - before)
        assert r.status_code == 200, r.text
        answers.append(r.json())
        if r.json()["state"] != "running":
            return answers, trips
        assert len(answers) < 200, "the verification does not end"
        body = {"max_events": max_events, "cursor": r.json()["cursor"]}


def test_each_step_of_the_chains_verification_is_one_round_trip(uchet_factory, tmp_path, pg_url):  # noqa: F811
    u = uchet_factory(db_url=make_db_url(tmp_path, pg_url), extra_args=("--threads", "1")).start()
    for _ in range(3):
        _, token = u.new_user()
        u.register(token, "77")
    auditor = officer(u, "auditor")
    verify_counting(u, auditor, 4)          # prepares the statements on the loop's connection
    events = int(u.db.query("SELECT COUNT(*) FROM audit")[0][0])
    answers, trips = verify_counting(u, auditor, 4)
    assert answers[-1]["state"] == "intact" and answers[-1]["checked"] == events == answers[-1]["total"]
    assert len(answers) == -(-events // 4) >= 3, "several steps, each of at most 4 events"
    assert trips == [1] * len(trips), trips
    # A role that may not verify is refused in that same one statement.
    before = _metric_labeled(u, TRIPS)
    r = u.http.post("/api/v1/desk/audit/verify", headers=officer(u, "inspector"), json={})
    assert r.status_code == 403 and r.json()["code"] == "role_forbidden"
    assert _metric_labeled(u, TRIPS) - before == 1


def test_each_step_of_the_checkpoints_is_one_round_trip(uchet_factory, tmp_path, pg_url):  # noqa: F811
    """With an audit key, the steps after the chain's check the signed
    checkpoint lines against it: the session and the step's events in one
    statement, where it was BEGIN, the session, one read per line and the
    end (a step of 2 lines: 5 round trips)."""
    import subprocess
    from conftest import UCHETCTL
    key = str(tmp_path / "audit.key")
    subprocess.run([UCHETCTL, "keys", "audit-init", "--key-file", key], check=True, capture_output=True)
    u = uchet_factory(db_url=make_db_url(tmp_path, pg_url), extra_args=("--threads", "1", "--audit-key-file", key))
    u.start()
    for _ in range(5):   # a checkpoint at each start and stop: a file of several lines
        _, token = u.new_user()
        u.register(token, "77")
        u.stop()
        u.start()
    lines = len(open(key + ".checkpoints").read().splitlines())
    assert lines >= 6
    auditor = officer(u, "auditor")
    verify_counting(u, auditor, 2)          # prepares the statements on the loop's connection
    answers, trips = verify_counting(u, auditor, 2)
    outcome = answers[-1]
    assert outcome["state"] == "intact" and outcome["checkpoints"]["verdict"] == "agree", outcome
    assert outcome["checkpoints"]["valid"] == lines
    phases = [a.get("phase") for a in answers[:-1]]
    assert phases.count("checkpoints") >= lines // 2 - 1, phases
    assert trips == [1] * len(trips), list(zip(phases + ["outcome"], trips))
