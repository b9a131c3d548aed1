"""The regime over time (product rules 4-6, 9, 11, 16), moving the injected clock
through whole scenarios and asserting what the person would see."""
import json
import re
import subprocess

import pytest

from conftest import RESIDENCE, START_CLOCK


def sweep(uchet, day):
    out = uchet.ctl("sweep", "--as-of", day).stdout
    assert "region 77" in out
    return out


def notices(uchet, person_id):
    return [r[0] for r in uchet.db.query(f"SELECT kind FROM notices WHERE person_id = {person_id} ORDER BY id")]


class Person:
    def __init__(self, uchet, **kw):
        self.uchet = uchet
        self.number, self.token = uchet.new_user(**kw)
        self.id = uchet.me(self.token)["person"]["id"]

    def at(self, when):
        self.uchet.set_clock(when)
        self.token = self.uchet.login(self.number)
        return self

    def me(self):
        return self.uchet.me(self.token)


@pytest.fixture
def swept(uchet_factory):
    """A server without its own scheduler, so that only `uchetctl sweep` sweeps."""
    return uchet_factory(extra_args=["--no-sweep"]).start()


def test_example_lapses_on_nov_7_and_not_a_minute_earlier(swept):
    p = Person(swept)
    swept.register(p.token)                              # Friday 2025-10-31
    p.at("2025-11-06T23:59:00+03:00")
    sweep(swept, "2025-11-06")
    assert p.me()["registration"]["status"] == "active"
    assert p.me()["registration"]["working_days_left"] == 1
    p.at("2025-11-07T00:00:00+03:00")
    out = sweep(swept, "2025-11-07")
    assert "region 77 2025-11-07: 1 lapsed" in out
    me = p.me()
    assert me["registration"] is None
    assert me["last_registration"]["end_reason"] == "lapsed"
    assert me["last_registration"]["ended_at"] == "2025-11-07T00:00:00+03:00"
    assert "lapsed" in notices(swept, p.id)


def test_sweep_is_idempotent(swept):
    p = Person(swept)
    swept.register(p.token)
    p.at("2025-11-07T08:00:00+03:00")
    assert "1 lapsed" in sweep(swept, "2025-11-07")
    counts = [swept.db.scalar(f"SELECT COUNT(*) FROM {t}") for t in ("audit", "notices", "registrations")]
    assert "0 lapsed, 0 reminded" in sweep(swept, "2025-11-07")
    assert counts == [swept.db.scalar(f"SELECT COUNT(*) FROM {t}") for t in ("audit", "notices", "registrations")]
    assert swept.ctl("audit", "verify").stdout.startswith("intact")


def test_after_the_sweep_everything_reads_the_lapse_and_starting_again_is_one_step(swept):
    """The sweep marks the due date rather than rewriting the row (schema v4;
    on PostgreSQL too since issue 18); every reader and writer must still
    see the lapse."""
    p, other = Person(swept), Person(swept)
    swept.register(p.token)                              # due Thu 2025-11-06
    p.at("2025-11-05T10:00:00+03:00")
    other.at("2025-11-05T10:00:00+03:00")
    swept.register(other.token)                          # due Mon 2025-11-10
    p.at("2025-11-07T09:00:00+03:00")
    assert "1 lapsed" in sweep(swept, "2025-11-07")
    assert swept.db.scalar("SELECT COUNT(*) FROM lapse_marks WHERE region = '77' AND due_date = '2025-11-06'") == 1
    assert swept.db.query(f"SELECT status FROM registration_rows WHERE person_id = {p.id}")[0][0] == "active", \
        "the lapsed row itself is not rewritten"
    assert swept.db.query(f"SELECT status, end_reason FROM registrations WHERE person_id = {p.id}") == \
        [("ended", "lapsed")], "the natural name reads the truth"
    r = swept.confirm(p.token)
    assert r.status_code == 409 and r.json()["code"] == "no_active_registration", r.text
    assert swept.db.scalar(f"SELECT COUNT(*) FROM confirmations WHERE person_id = {p.id}") == 0
    r = swept.http.post("/api/v1/me/registration/host-code", headers=swept.auth(p.token))
    assert r.status_code == 409 and r.json()["code"] == "no_active_registration", "no landlord code once lapsed"
    # Sweeping an earlier day again reminds nobody of a deadline that has lapsed.
    sweep(swept, "2025-11-06")
    assert notices(swept, p.id) == ["lapsed"]
    assert other.at("2025-11-07T09:00:00+03:00").me()["registration"]["status"] == "active", \
        "the sweep touched only the due date"
    again = swept.register(p.token)
    assert again["status"] == "active" and again["id"] != p.me()["last_registration"]["id"]
    assert p.me()["last_registration"]["end_reason"] == "lapsed"
    assert swept.confirm(p.token).status_code == 201
    assert swept.ctl("audit", "verify").stdout.startswith("intact")


# Schema v12 as v4 left it: the stored rows under the natural name, the truth in a view.
V12_VIEW = ("CREATE VIEW registrations_now AS SELECT r.id, r.person_id, r.region,"
            " CASE WHEN m.lapsed_at IS NULL THEN r.status ELSE 'ended' END AS status,"
            " r.started_at, r.last_confirmed_on, r.mismatch_streak,"
            " COALESCE(m.lapsed_at, r.ended_at) AS ended_at,"
            " CASE WHEN m.lapsed_at IS NULL THEN r.end_reason ELSE 'lapsed' END AS end_reason,"
            " r.due_date, r.guardian_registration_id"
            " FROM registrations r LEFT JOIN lapse_marks m"
            " ON r.status = 'active' AND m.region = r.region AND m.due_date = r.due_date")


def test_a_v12_database_with_a_marked_lapse_migrates_to_the_truthful_name(swept, uchet_factory):
    """Schema v13 (issue 19) renames the stored table to registration_rows and
    calls the view `registrations`: a database from before, whose lapsed
    person's row is marked but not rewritten, reads the lapse under the
    natural name once migrated, and keeps working."""
    p = Person(swept)
    swept.register(p.token)                              # due Thu 2025-11-06
    p.at("2025-11-07T09:00:00+03:00")
    assert "1 lapsed" in sweep(swept, "2025-11-07")
    swept.stop()
    # Back to v12: v14 and v13 undone step by step (their SQL is only these;
    # v14 only drops a reference, which SQLite's rebuild puts back unharmed).
    undo_v14 = ["ALTER TABLE notices ADD CONSTRAINT notices_person_id_fkey FOREIGN KEY (person_id)"
                " REFERENCES persons(id)"] if swept.db_url.startswith("postgresql://") else []
    for sql in undo_v14 + ["DROP VIEW registrations", "ALTER TABLE registration_rows RENAME TO registrations",
                           V12_VIEW, "DELETE FROM schema_version WHERE version >= 13"]:
        swept.db.query(sql)
    assert swept.db.query(f"SELECT status FROM registrations WHERE person_id = {p.id}") == [("active",)], \
        "at v12 the natural name was the stored row, which does not show the mark"
    assert "2 migration(s) applied" in swept.ctl("migrate").stdout
    assert swept.db.query(f"SELECT status, end_reason FROM registrations WHERE person_id = {p.id}") == \
        [("ended", "lapsed")]
    assert swept.db.query(f"SELECT status FROM registration_rows WHERE person_id = {p.id}") == [("active",)]
    u = uchet_factory(clock=swept.clock, db_url=swept.db_url, init=False, extra_args=["--no-sweep"]).start()
    p.uchet = u
    p.at("2025-11-07T10:00:00+03:00")
    assert p.me()["last_registration"]["end_reason"] == "lapsed"
    again = u.register(p.token)
    assert again["status"] == "active"
    assert u.db.query(f"SELECT status, end_reason FROM registration_rows WHERE person_id = {p.id} ORDER BY id") == \
        [("ended", "lapsed"), ("active", "")], "registering again settled the marked row"
    assert u.ctl("audit", "verify").stdout.startswith("intact")

def test_reminders_one_day_left_and_last_day(swept):
    p = Person(swept)
    swept.register(p.token)                              # due Thu 2025-11-06
    sweep(swept, "2025-11-05")                           # Wed: the next working day is the last
    assert notices(swept, p.id) == ["one_day_left"]
    sweep(swept, "2025-11-06")
    assert notices(swept, p.id) == ["one_day_left", "last_day"]
    sweep(swept, "2025-11-06")
    assert notices(swept, p.id) == ["one_day_left", "last_day"], "no notice twice"


def test_home_states_the_deadline_as_the_notices_do(swept):
    """Issue 17: on the day the one_day_left notice goes out, GET /me must say
    one working day is left after today (it said 2, counting today, while the
    inbox said one); on the last day 0, with the same due date."""
    p = Person(swept)
    swept.register(p.token)                              # due Thu 2025-11-06
    reg = p.at("2025-11-05T10:00:00+03:00").me()["registration"]
    sweep(swept, "2025-11-05")
    assert notices(swept, p.id) == ["one_day_left"]
    assert (reg["working_days_left"], reg["working_days_after_today"]) == (2, 1)
    reg = p.at("2025-11-06T10:00:00+03:00").me()["registration"]
    assert reg["due_date"] == "2025-11-06" and reg["working_days_after_today"] == 0
    # On a day off (Sun 2025-11-02) today is not a working day, so both
    # counts agree: Wed 11-05, Thu 11-06, Fri 11-07 after a Sat 11-01 start.
    other = Person(swept)
    other.at("2025-11-01T10:00:00+03:00")
    swept.register(other.token)
    reg = other.at("2025-11-02T10:00:00+03:00").me()["registration"]
    assert reg["due_date"] == "2025-11-07" and reg["working_days_after_today"] == 3
    assert reg["working_days_after_today"] == reg["working_days_left"]


def test_confirmation_on_the_last_day_saves_the_registration(swept):
    p = Person(swept)
    swept.register(p.token)
    p.at("2025-11-06T22:00:00+03:00")
    assert swept.confirm(p.token).json()["due_date"] == "2025-11-11"
    sweep(swept, "2025-11-07")
    assert p.me()["registration"]["status"] == "active"


def test_a_late_confirmation_finds_the_registration_lapsed(swept):
    p = Person(swept)
    swept.register(p.token)
    p.at("2025-11-07T00:00:30+03:00")                    # the sweep has not run yet
    r = swept.confirm(p.token)
    assert r.status_code == 409 and r.json()["code"] == "registration_lapsed"
    me = p.me()
    assert me["registration"] is None and me["last_registration"]["end_reason"] == "lapsed"
    # Registering again at the same residence is one step.
    assert swept.register(p.token)["status"] == "active"


def test_new_year_holidays_2026(swept):
    swept.set_clock("2025-12-30T10:00:00+03:00")
    p = Person(swept)
    reg = swept.register(p.token)                        # Tue 12-30; 12-31 and 1-1..1-11 off
    assert reg["due_date"] == "2026-01-14"
    p.at("2026-01-14T20:00:00+03:00")
    sweep(swept, "2026-01-14")
    assert p.me()["registration"]["status"] == "active"
    p.at("2026-01-15T09:00:00+03:00")
    sweep(swept, "2026-01-15")
    assert p.me()["registration"] is None


def test_provisional_2027(swept):
    swept.set_clock("2027-03-05T10:00:00+03:00")         # Fri; Mon 03-08 is a holiday by art. 112
    p = Person(swept)
    reg = swept.register(p.token)
    assert reg["calendar"] == "provisional" and reg["due_date"] == "2027-03-11"
    sweep(swept, "2027-03-11")
    assert p.me()["registration"]["status"] == "active"
    sweep(swept, "2027-03-12")
    assert p.me()["registration"] is None


def test_practice_mode_never_lapses(uchet_factory):
    u = uchet_factory(init=False, extra_args=["--no-sweep"])
    u.ctl("init", "--regime-starts-on", "2026-01-01")
    u.start()
    p = Person(u)
    reg = u.register(p.token)
    assert reg["practice_mode"] is True
    p.at("2025-12-20T10:00:00+03:00")
    sweep(u, "2025-12-20")
    assert p.me()["registration"]["status"] == "active"
    assert u.confirm(p.token).status_code == 201, "confirming still works in practice"


def test_minor_survives_while_guardian_confirms_and_ends_with_guardian(swept):
    g = Person(swept)
    swept.register(g.token)
    r = swept.http.post("/api/v1/me/minors", headers=swept.auth(g.token),
                        json={"surname": "RAHIMOVA", "given_names": "ZARINA", "birth_date": "2015-06-01",
                              "citizenship": "TJK"})
    assert r.status_code == 201 and r.json()["adult_on"] == "2033-06-01"
    for day in ("2025-11-05", "2025-11-10", "2025-11-13"):
        g.at(day + "T10:00:00+03:00")
        assert swept.confirm(g.token).status_code == 201
        sweep(swept, day)
    kids = swept.http.get("/api/v1/me/minors", headers=swept.auth(g.token)).json()["items"]
    assert [k["status"] for k in kids] == ["active"]
    g.at("2025-11-20T10:00:00+03:00")                    # the guardian stopped confirming
    sweep(swept, "2025-11-20")
    kids = swept.http.get("/api/v1/me/minors", headers=swept.auth(g.token)).json()["items"]
    assert kids[0]["status"] == "ended" and kids[0]["end_reason"] == "guardian_ended"
    # The sweep appends the date's lapse event and the ward's end event after it: the chain holds.
    lapses = [json.loads(d) for (d,) in swept.db.query("SELECT detail FROM audit WHERE action = 'registrations.lapsed'")]
    assert [len(e["registrations"]) for e in lapses] == [1] and lapses[0]["due_date"] == "2025-11-18"
    assert swept.db.scalar("SELECT COUNT(*) FROM audit WHERE action = 'registration.ended'") == 1
    assert swept.ctl("audit", "verify").stdout.startswith("intact")


def test_adults_cannot_be_added_as_minors(swept):
    g = Person(swept)
    swept.register(g.token)
    r = swept.http.post("/api/v1/me/minors", headers=swept.auth(g.token),
                        json={"surname": "A", "given_names": "B", "birth_date": "2000-01-01", "citizenship": "TJK"})
    assert r.status_code == 422 and r.json()["code"] == "not_a_minor"


def test_minor_turns_18(swept):
    g = Person(swept)
    swept.register(g.token)
    r = swept.http.post("/api/v1/me/minors", headers=swept.auth(g.token),
                        json={"surname": "RAHIMOV", "given_names": "DAVRON", "birth_date": "2007-11-05",
                              "citizenship": "TJK", "passport_number": "401234567"})
    assert r.status_code == 201
    kid = r.json()["id"]
    g.at("2025-11-05T09:00:00+03:00")
    assert "1 matured" in sweep(swept, "2025-11-05")
    row = swept.db.query(f"SELECT due_date, guardian_registration_id FROM registrations WHERE person_id = {kid}")[0]
    assert row[0] == "2025-11-10" and row[1] in ("", "None")
    assert "minor_adult" in notices(swept, kid) and "minor_adult" in notices(swept, g.id)


def test_retention_deletes_old_confirmation_results(swept):
    p = Person(swept)
    swept.register(p.token)
    swept.confirm(p.token)
    swept.confirm(p.token, accuracy=900)                  # a result not counted is kept as long
    n = swept.db.scalar("SELECT COUNT(*) FROM confirmations")
    assert n == 2
    out = sweep(swept, "2026-02-05")                      # 97 days later
    assert re.search(rf"(^|\D){n} old confirmations deleted", out), out
    assert swept.db.scalar("SELECT COUNT(*) FROM confirmations") == 0


def test_mismatch_after_three_away(swept):
    p = Person(swept)
    swept.register(p.token)
    for _ in range(3):
        assert swept.confirm(p.token, lat=55.90, lon=37.90).json()["at_residence"] is False
    assert notices(swept, p.id).count("mismatch") == 1
    swept.confirm(p.token, lat=55.90, lon=37.90)
    assert notices(swept, p.id).count("mismatch") == 1, "asked once, not at every confirmation"


def test_the_scheduler_in_uchetd_sweeps_by_itself(uchet):
    import time
    p = Person(uchet)
    uchet.register(p.token)
    p.at("2025-11-07T00:00:05+03:00")
    for _ in range(100):
        if uchet.me(p.token)["registration"] is None:
            break
        time.sleep(0.1)
    assert uchet.me(p.token)["last_registration"]["end_reason"] == "lapsed"


def test_notices_reach_the_inbox_in_the_persons_language(swept):
    p = Person(swept, language="tg")
    swept.register(p.token)
    sweep(swept, "2025-11-05")
    items = swept.http.get("/api/v1/me/notifications", headers=swept.auth(p.token)).json()["items"]
    assert [i["kind"] for i in items] == ["one_day_left"]
    note = items[0]
    assert note["read"] is False and note["title"] and note["body"]
    assert not note["title"].startswith("notice."), "rendered, not a bare key"
    swept.http.patch("/api/v1/me", headers=swept.auth(p.token), json={"language": "ru"})
    ru_items = swept.http.get("/api/v1/me/notifications", headers=swept.auth(p.token)).json()["items"]
    assert ru_items[0]["title"] != note["title"]
    r = swept.http.post(f"/api/v1/me/notifications/{note['id']}/read", headers=swept.auth(p.token))
    assert r.status_code == 204
    items = swept.http.get("/api/v1/me/notifications", headers=swept.auth(p.token)).json()["items"]
    assert items[0]["read"] is True
    other = Person(swept)
    r = swept.http.post(f"/api/v1/me/notifications/{note['id']}/read", headers=swept.auth(other.token))
    assert r.status_code == 404, "nobody reads another person's notices"


def test_killed_during_a_sweep_nothing_twice_nothing_lost(uchet_factory, tmp_path):
    """kill -9 in the middle of a large sweep, restart: every due registration
    lapses exactly once, with exactly one notice and one audit record, and the
    audit chain holds. The registrations are due on ten different days, so the
    sweep takes ten steps or more (a step is one due date on SQLite, up to
    5,000 rows on PostgreSQL) and the kill can land between them."""
    import signal
    import time
    u = uchet_factory(clock="2025-11-07T00:00:05+03:00")
    n = 20000
    u.ctl("bench-seed", "--persons", str(n), "--sessions", "1", "--tokens-out", str(tmp_path / "t"))
    days = ["2025-10-%02d" % d for d in (16, 17, 20, 21, 22, 23, 24, 27, 28, 29)]
    case = " ".join(f"WHEN {i} THEN '{d}'" for i, d in enumerate(days))
    u.db.query(f"UPDATE registration_rows SET last_confirmed_on = CASE id % 10 {case} END")
    u.start()                                          # the scheduler starts sweeping at once
    lapsed = "SELECT COUNT(*) FROM registrations WHERE end_reason = 'lapsed'"
    deadline = time.time() + 60
    while time.time() < deadline:
        done = u.db.scalar(lapsed)
        if done > 0:
            break
        time.sleep(0.01)
    u.proc.send_signal(signal.SIGKILL)
    u.proc.wait()
    u.log.close()
    u.proc = None
    assert 0 < done < n, f"the kill should land mid-sweep (lapsed so far: {done})"
    u2 = uchet_factory(clock=u.clock, db_url=u.db_url, init=False).start()
    deadline = time.time() + 120
    while time.time() < deadline and u2.db.scalar("SELECT COUNT(*) FROM registrations WHERE status = 'active'"):
        time.sleep(0.2)
    assert u2.db.scalar("SELECT COUNT(*) FROM registrations WHERE status = 'active'") == 0
    assert u2.db.scalar(lapsed) == n
    assert u2.db.scalar("SELECT COUNT(*) FROM notices WHERE kind = 'lapsed'") == n
    assert u2.db.scalar("SELECT COUNT(DISTINCT person_id) FROM notices WHERE kind = 'lapsed'") == n
    audited = [i for (d,) in u2.db.query("SELECT detail FROM audit WHERE action = 'registrations.lapsed'")
               for i in json.loads(d)["registrations"]]
    assert len(audited) == n and len(set(audited)) == n
    assert u2.ctl("audit", "verify").stdout.startswith("intact")
