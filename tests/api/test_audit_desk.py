"""The auditor's views at the desk (issue 15, product rules 14 and 15): the
audit chain verified in steps with progress, one person's events (a look
with a reason that the person sees), one officer's actions over a period.
The chain is broken here the way an intruder with the database would: an
UPDATE or DELETE straight in SQLite or PostgreSQL."""
import hashlib
import json
import struct

from conftest import BACKEND, add_officer, desk_login, officer

DAY = {"from": "2025-10-31T00:00:00+03:00", "to": "2025-11-01T00:00:00+03:00"}


def verify(uchet, desk, max_events=None):
    """Runs a whole verification as the desk page does; returns every answer."""
    answers, body = [], {}
    if max_events:
        body["max_events"] = max_events
    while True:
        r = uchet.http.post("/api/v1/desk/audit/verify", headers=desk, json=body)
        assert r.status_code == 200, r.text
        answers.append(r.json())
        if r.json()["state"] != "running":
            return answers
        assert len(answers) < 1000, "the verification does not end"
        body = dict(body, cursor=r.json()["cursor"])


def head(uchet):
    hexed = "encode(hash, 'hex')" if BACKEND == "postgres" else "lower(hex(hash))"
    return uchet.db.query(f"SELECT seq, {hexed} FROM audit ORDER BY seq DESC LIMIT 1")[0]


def some_history(uchet):
    """A person who registers and confirms, looked up by an inspector: a chain
    of a few dozen events by persons and officers."""
    number, token = uchet.new_user()
    uchet.register(token)
    assert uchet.confirm(token).status_code in (200, 201)
    inspector = officer(uchet, "inspector")
    r = uchet.http.post("/api/v1/desk/person-lookups", headers=inspector,
                        json={"document_kind": "card", "document_number": number, "reason": "case 2025/117"})
    assert r.status_code == 200, r.text
    return number, token


# --- the chain ----------------------------------------------------------------

def test_an_intact_chain_is_verified_in_steps_with_progress(uchet):
    some_history(uchet)
    auditor = officer(uchet, "auditor")
    seq, hash_hex = head(uchet)
    answers = verify(uchet, auditor, max_events=4)
    total = int(seq)
    assert total > 8, "the history should take several steps"
    running, outcome = answers[:-1], answers[-1]
    assert len(running) >= total // 4 - 1
    assert [a["checked"] for a in running] == sorted({a["checked"] for a in running}), "progress only grows"
    assert all(a["total"] == total and 0 < a["checked"] < total for a in running)
    assert outcome["state"] == "intact"
    assert outcome["checked"] == outcome["total"] == outcome["last_seq"] == total
    assert outcome["last_hash"] == hash_hex, "the last hash is the chain's own"
    assert outcome["last_at"] == "2025-10-31T07:00:00Z"
    # the outcome is itself an audit event of the auditor, after the checked part
    event = uchet.db.query("SELECT seq, actor, detail FROM audit WHERE action = 'audit.chain_verified'")
    assert len(event) == 1 and int(event[0][0]) == total + 1 and event[0][1].startswith("officer:")
    assert json.loads(event[0][2]) == {"result": "intact", "events": total, "last": total, "role": "auditor"}
    assert uchet.ctl("audit", "verify").stdout.startswith("intact")


def test_one_step_by_default_and_an_empty_answer_is_not_intact_early(uchet):
    some_history(uchet)
    auditor = officer(uchet, "auditor")
    seq, _ = head(uchet)
    answers = verify(uchet, auditor)
    assert len(answers) == 1 and answers[0]["state"] == "intact" and answers[0]["checked"] == int(seq)


def test_a_changed_event_is_named_with_its_time(uchet):
    some_history(uchet)
    auditor = officer(uchet, "auditor")
    seq = int(head(uchet)[0])
    victim = seq // 2
    at = int(uchet.db.query(f"SELECT at FROM audit WHERE seq = {victim}")[0][0])
    # an intruder rewrites what an event says, keeping its stored hash
    uchet.db.query(f"UPDATE audit SET detail = '{{\"reason\":\"nothing happened\"}}' WHERE seq = {victim}")
    answers = verify(uchet, auditor, max_events=3)
    outcome = answers[-1]
    assert outcome["state"] == "broken", outcome
    assert outcome["broken_seq"] == victim and outcome["missing"] is False
    assert outcome["checked"] == victim - 1, "every event before it was right"
    assert outcome["broken_at"] == "2025-10-31T07:00:00Z" and at == 1761894000
    assert "last_hash" not in outcome
    assert all(a["state"] == "running" for a in answers[:-1])
    assert uchet.ctl("audit", "verify", check=False).stdout.startswith(f"BROKEN at event {victim} ")
    event = uchet.db.query("SELECT detail FROM audit WHERE action = 'audit.chain_verified'")
    assert json.loads(event[0][0])["result"] == "broken" and json.loads(event[0][0])["broken"] == victim


def chain_hash(prev, seq, at, actor, action, subject, detail):
    """store/audit.c's event hash, recomputed here as an intruder would."""
    msg = b"uchet-audit-v1" + prev + struct.pack(">QQ", seq, at)
    for field in (actor, action, subject, detail):
        data = field.encode()
        msg += struct.pack(">Q", len(data)) + data
    return hashlib.sha256(msg).digest()


def test_a_rewritten_event_with_its_hash_recomputed_breaks_the_next_link(uchet):
    some_history(uchet)
    auditor = officer(uchet, "auditor")
    victim = int(head(uchet)[0]) - 3
    hexed = "encode(prev_hash, 'hex')" if BACKEND == "postgres" else "lower(hex(prev_hash))"
    at, actor, action, subject, prev = uchet.db.query(
        f"SELECT at, actor, action, subject, {hexed} FROM audit WHERE seq = {victim}")[0]
    forged = '{"reason":"nothing happened"}'
    digest = chain_hash(bytes.fromhex(prev), victim, int(at), actor, action, subject, forged).hex()
    blob = f"decode('{digest}', 'hex')" if BACKEND == "postgres" else f"X'{digest}'"
    uchet.db.query(f"UPDATE audit SET detail = '{forged}', hash = {blob} WHERE seq = {victim}")
    outcome = verify(uchet, auditor)[-1]
    assert outcome["state"] == "broken" and outcome["broken_seq"] == victim + 1, \
        "the rewritten event itself adds up; the one after it no longer links to it"
    assert outcome["checked"] == victim


def test_a_deleted_event_is_named_as_missing(uchet):
    some_history(uchet)
    auditor = officer(uchet, "auditor")
    victim = int(head(uchet)[0]) // 3
    uchet.db.query(f"DELETE FROM audit WHERE seq = {victim}")
    outcome = verify(uchet, auditor, max_events=5)[-1]
    assert outcome["state"] == "broken" and outcome["broken_seq"] == victim
    assert outcome["missing"] is True and outcome["broken_at"] is None


def test_events_removed_from_the_tail_during_a_verification_are_not_passed_over(uchet):
    some_history(uchet)
    auditor = officer(uchet, "auditor")
    total = int(head(uchet)[0])
    first = uchet.http.post("/api/v1/desk/audit/verify", headers=auditor, json={"max_events": 2}).json()
    assert first["state"] == "running" and first["total"] == total and first["checked"] == 2
    uchet.db.query(f"DELETE FROM audit WHERE seq > {total - 3}")
    body = {"max_events": 5000, "cursor": first["cursor"]}
    outcome = uchet.http.post("/api/v1/desk/audit/verify", headers=auditor, json=body).json()
    assert outcome["state"] == "broken" and outcome["broken_seq"] == total - 2 and outcome["missing"] is True


def test_a_cursor_cannot_be_altered_or_used_by_another_officer(uchet):
    some_history(uchet)
    auditor = officer(uchet, "auditor")
    first = uchet.http.post("/api/v1/desk/audit/verify", headers=auditor, json={"max_events": 1}).json()
    cursor = first["cursor"]
    flipped = cursor[:40] + ("A" if cursor[40] != "A" else "B") + cursor[41:]
    r = uchet.http.post("/api/v1/desk/audit/verify", headers=auditor, json={"cursor": flipped})
    assert r.status_code == 400 and r.json()["code"] == "invalid_cursor"
    other = officer(uchet, "auditor")
    r = uchet.http.post("/api/v1/desk/audit/verify", headers=other, json={"cursor": cursor})
    assert r.status_code == 400 and r.json()["code"] == "invalid_cursor"
    for bad in ({"max_events": 0}, {"max_events": 5001}, {"max_events": 1.5}, {"cursor": ""}, {"extra": 1}):
        r = uchet.http.post("/api/v1/desk/audit/verify", headers=auditor, json=bad)
        assert r.status_code == 400, bad
    r = uchet.http.post("/api/v1/desk/audit/verify", headers=auditor, json={"cursor": cursor, "max_events": 1})
    assert r.status_code == 200 and r.json()["state"] == "running" and r.json()["checked"] == 2, \
        "the untouched cursor goes on"
    assert not uchet.db.query("SELECT 1 FROM audit WHERE action = 'audit.chain_verified'"), \
        "nothing is recorded before an outcome"


def test_a_restarted_uchetd_refuses_an_old_cursor(uchet):
    some_history(uchet)
    auditor_login = add_officer(uchet, "auditor")
    auditor = desk_login(uchet, auditor_login)
    cursor = uchet.http.post("/api/v1/desk/audit/verify", headers=auditor, json={"max_events": 1}).json()["cursor"]
    uchet.stop()
    uchet.start()
    auditor = desk_login(uchet, auditor_login)
    r = uchet.http.post("/api/v1/desk/audit/verify", headers=auditor, json={"cursor": cursor})
    assert r.status_code == 400 and r.json()["code"] == "invalid_cursor"


def test_only_auditors_verify(uchet):
    for role in ("registrar", "inspector", "supervisor"):
        r = uchet.http.post("/api/v1/desk/audit/verify", headers=officer(uchet, role), json={})
        assert r.status_code == 403 and r.json()["code"] == "role_forbidden", role
    assert uchet.http.post("/api/v1/desk/audit/verify", json={}).status_code == 401


# --- one person's events ------------------------------------------------------

def person_events(uchet, desk, **body):
    return uchet.http.post("/api/v1/desk/audit/person-events", headers=desk, json=body)


def test_a_persons_events_in_order_and_the_look_is_shown_to_the_person(uchet):
    number, token = some_history(uchet)
    other_number, _ = uchet.new_user()   # someone else's events stay out
    auditor = officer(uchet, "auditor")
    r = person_events(uchet, auditor, document_kind="card", document_number=number, reason="audit 2025/31, complaint")
    assert r.status_code == 200, r.text
    pid = r.json()["person_id"]
    items = r.json()["items"]
    me = f"person:{pid}"
    assert items and all(i["subject"] == me or i["actor"] == me for i in items)
    seqs = [i["seq"] for i in items]
    assert seqs == sorted(seqs) and len(set(seqs)) == len(seqs)
    actions = [i["action"] for i in items]
    for a in ("person.created", "person.activated", "registration.created", "confirmation.received", "person.read"):
        assert a in actions, a
    assert actions.index("person.created") < actions.index("registration.created") < actions.index("person.read")
    read = items[actions.index("person.read")]
    assert read["actor"].startswith("officer:") and read["detail"] == {"reason": "case 2025/117", "role": "inspector"}
    expected = uchet.db.query(f"SELECT COUNT(*) FROM audit WHERE subject = '{me}' OR actor = '{me}'")
    assert len(items) + 1 == int(expected[0][0]), "all of them, but the look itself (written after the read)"
    assert r.json()["more"] is False
    assert number not in r.text and other_number not in r.text
    # the person sees the auditor's look with its reason, by role
    log = uchet.http.get("/api/v1/me/access-log", headers=uchet.auth(token)).json()["items"]
    assert {"at": "2025-10-31T10:00:00+03:00", "officer_role": "auditor", "reason": "audit 2025/31, complaint"} in log
    event = uchet.db.query("SELECT actor, subject, detail FROM audit WHERE action = 'audit.person_events_read'")
    assert len(event) == 1 and event[0][1] == me
    assert json.loads(event[0][2]) == {"after": 0, "reason": "audit 2025/31, complaint", "role": "auditor",
                                       "rows": len(items)}
    # the next look, by id, shows the first look as the person's newest event
    again = person_events(uchet, auditor, person_id=pid, reason="audit 2025/31, complaint")
    assert again.json()["items"][-1]["action"] == "audit.person_events_read"
    later = person_events(uchet, auditor, person_id=pid, reason="audit 2025/31", after_seq=seqs[2])
    assert [i["seq"] for i in later.json()["items"]][:len(seqs) - 3] == seqs[3:]


def test_a_persons_events_need_a_reason_with_a_reference_and_a_known_person(uchet):
    number, token = some_history(uchet)
    auditor = officer(uchet, "auditor")
    before = uchet.db.scalar("SELECT COUNT(*) FROM officer_reads")
    cases = [
        ({"document_kind": "card", "document_number": number}, 400),
        ({"document_kind": "card", "document_number": number, "reason": "curious"}, 400),
        ({"document_kind": "card", "document_number": number, "reason": "just checking things"}, 400),
        ({"reason": "audit 2025/31"}, 400),
        ({"person_id": 1, "document_kind": "card", "document_number": number, "reason": "audit 2025/31"}, 400),
        ({"document_kind": "card", "reason": "audit 2025/31"}, 400),
        ({"document_kind": "visa", "document_number": number, "reason": "audit 2025/31"}, 400),
        ({"document_kind": "card", "document_number": "0000000000", "reason": "audit 2025/31"}, 404),
        ({"person_id": 999999, "reason": "audit 2025/31"}, 404),
    ]
    for body, status in cases:
        r = person_events(uchet, auditor, **body)
        assert r.status_code == status, (body, r.text)
    assert uchet.db.scalar("SELECT COUNT(*) FROM officer_reads") == before, "a refused look is no look"
    for role in ("registrar", "inspector", "supervisor"):
        r = person_events(uchet, officer(uchet, role), document_kind="card", document_number=number,
                          reason="audit 2025/31")
        assert r.status_code == 403 and r.json()["code"] == "role_forbidden"


# --- one officer's activity ------------------------------------------------------

def activity(uchet, desk, login, period=DAY, **extra):
    return uchet.http.post("/api/v1/desk/audit/officer-activity", headers=desk,
                           json={"officer_login": login, **period, **extra})


def test_an_officers_actions_in_a_period_with_counts(uchet):
    number, _ = uchet.new_user()
    login = add_officer(uchet, "inspector")
    inspector = desk_login(uchet, login)          # enrolment: a session and the TOTP steps
    inspector = desk_login(uchet, login)          # and a second log-in
    for reason in ("case 2025/101", "case 2025/102"):
        r = uchet.http.post("/api/v1/desk/person-lookups", headers=inspector,
                            json={"document_kind": "card", "document_number": number, "reason": reason})
        assert r.status_code == 200
    officer(uchet, "registrar")                   # someone else's actions stay out
    auditor = officer(uchet, "auditor")
    r = activity(uchet, auditor, login)
    assert r.status_code == 200, r.text
    body = r.json()
    oid = int(uchet.db.query(f"SELECT id FROM officers WHERE login = '{login}'")[0][0])
    assert body["officer"] == {"id": oid, "login": login, "name": f"Officer {login}", "role": "inspector",
                               "disabled_at": None}
    assert body["counts"]["person.read"] == 2
    assert body["counts"]["officer.session_created"] == 2
    assert body["total"] == sum(body["counts"].values()) == len(body["items"])
    assert all(i["actor"] == f"officer:{oid}" for i in body["items"])
    assert [i["detail"].get("reason") for i in body["items"] if i["action"] == "person.read"] == \
        ["case 2025/101", "case 2025/102"]
    seqs = [i["seq"] for i in body["items"]]
    assert seqs == sorted(seqs) and body["more"] is False
    # another day: nothing
    empty = activity(uchet, auditor, login, {"from": "2025-11-01T00:00:00+03:00", "to": "2025-11-02T00:00:00+03:00"})
    assert empty.json()["total"] == 0 and empty.json()["items"] == [] and empty.json()["counts"] == {}
    # the look is audited, about that officer
    event = uchet.db.query("SELECT subject, detail FROM audit WHERE action = 'audit.officer_activity_read'")
    assert event[0][0] == f"officer:{oid}" and json.loads(event[0][1])["rows"] == len(seqs)
    # paging: after_seq
    tail = activity(uchet, auditor, login, after_seq=seqs[1]).json()
    assert [i["seq"] for i in tail["items"]] == seqs[2:] and tail["total"] == body["total"]


def test_officer_activity_refusals(uchet):
    auditor = officer(uchet, "auditor")
    assert activity(uchet, auditor, "nobody").status_code == 404
    assert activity(uchet, auditor, "nobody").json()["code"] == "unknown_officer"
    login = add_officer(uchet, "inspector")
    backwards = {"from": DAY["to"], "to": DAY["from"]}
    assert activity(uchet, auditor, login, backwards).json()["code"] == "invalid_period"
    assert activity(uchet, auditor, login, {"from": "yesterday", "to": DAY["to"]}).status_code == 400
    r = activity(uchet, officer(uchet, "supervisor"), login)
    assert r.status_code == 403 and r.json()["code"] == "role_forbidden"


def test_a_long_history_comes_in_pages_of_500_in_order(uchet):
    number, _ = uchet.new_user()
    pid = int(uchet.db.query(f"SELECT person_id FROM documents WHERE number = '{number}'")[0][0])
    first = int(uchet.db.query("SELECT MAX(seq) FROM audit")[0][0]) + 1
    zero = "decode('00', 'hex')" if BACKEND == "postgres" else "X'00'"
    # 620 more events of this person (their hashes do not matter here: reading is not verifying)
    uchet.db.query("INSERT INTO audit (seq, at, actor, action, subject, detail, prev_hash, hash) VALUES " + ",".join(
        f"({first + i}, 1761894000, 'person:{pid}', 'confirmation.received', 'person:{pid}', '{{\"n\":{i}}}',"
        f" {zero}, {zero})" for i in range(620)))
    auditor = officer(uchet, "auditor")
    one = person_events(uchet, auditor, person_id=pid, reason="audit 2025/31").json()
    assert len(one["items"]) == 500 and one["more"] is True
    two = person_events(uchet, auditor, person_id=pid, reason="audit 2025/31", after_seq=one["items"][-1]["seq"]).json()
    assert two["more"] is False
    seqs = [i["seq"] for i in one["items"] + two["items"]]
    assert seqs == sorted(seqs) and len(set(seqs)) == len(seqs)
    assert [i["detail"]["n"] for i in one["items"] + two["items"] if "n" in i["detail"]] == list(range(620))
    assert two["items"][-1]["action"] == "audit.person_events_read", "the first page's look, in the second"
    assert uchet.db.scalar(f"SELECT COUNT(*) FROM officer_reads WHERE person_id = {pid}") == 2, "each page is a look"
