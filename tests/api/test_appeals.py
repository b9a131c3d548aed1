"""Appeals against a lapse (product rule 13): the person appeals within 30 days,
a registrar decides with a written reason; a granted appeal restores the
registration with a fresh deadline, a refused one changes nothing."""
import json

import pytest

from conftest import RESIDENCE, officer

LAPSE_DAY = "2025-11-07"        # registered Fri 2025-10-31, due Thu 11-06 (product rule 4's example)
REASON = "My phone broke on 5 November and I could not confirm."


class Person:
    def __init__(self, uchet):
        self.uchet = uchet
        self.number, self.token = uchet.new_user()
        self.id = uchet.me(self.token)["person"]["id"]

    def at(self, when):
        self.uchet.set_clock(when)
        self.token = self.uchet.login(self.number)
        return self

    def me(self):
        return self.uchet.me(self.token)

    def appeal(self, reason=REASON):
        return self.uchet.http.post("/api/v1/me/appeals", headers=self.uchet.auth(self.token), json={"reason": reason})

    def appeals(self):
        r = self.uchet.http.get("/api/v1/me/appeals", headers=self.uchet.auth(self.token))
        assert r.status_code == 200, r.text
        return r.json()["items"]

    def notices(self):
        return [(k, json.loads(p)) for k, p in
                self.uchet.db.query(f"SELECT kind, params FROM notices WHERE person_id = {self.id} ORDER BY id")]


@pytest.fixture
def swept(uchet_factory):
    """A server without its own scheduler: only `uchetctl sweep` lapses registrations."""
    return uchet_factory(extra_args=["--no-sweep"]).start()


def lapsed_people(uchet, n=1):
    """n persons registered at the start clock and lapsed by the sweep of LAPSE_DAY."""
    people = [Person(uchet) for _ in range(n)]
    reg_ids = [uchet.register(p.token)["id"] for p in people]
    uchet.set_clock(LAPSE_DAY + "T08:00:00+03:00")
    out = uchet.ctl("sweep", "--as-of", LAPSE_DAY).stdout
    assert f"region 77 {LAPSE_DAY}: {n} lapsed" in out, out
    for p, reg in zip(people, reg_ids):
        p.at(uchet.clock)
        p.reg_id = reg
        last = p.me()["last_registration"]
        assert last["end_reason"] == "lapsed"
        assert last["appeal_until"] == "2025-12-07"   # the lapse day 2025-11-07 + 30 (rule 13)
    return people


def decide(uchet, desk, appeal_id, grant, reason="Hospital certificate checked, case 44/2025"):
    return uchet.http.post(f"/api/v1/desk/appeals/{appeal_id}/decision", headers=desk,
                           json={"grant": grant, "reason": reason})


def test_granted_appeal_restores_the_lapsed_registration(swept):
    (p,) = lapsed_people(swept)
    r = p.appeal()
    assert r.status_code == 201
    appeal = r.json()
    assert appeal["status"] == "pending" and appeal["reason"] == REASON
    assert appeal["decision_due"] == "2025-11-14"   # filed Fri 11-07: the 5th working day after
    assert appeal["registration"] == {"id": p.reg_id, "region": "77", "last_confirmed_on": "2025-10-31",
                                      "lapsed_at": "2025-11-07T00:00:00+03:00"}
    swept.set_clock("2025-11-10T11:00:00+03:00")                   # Monday: the registrar decides
    desk = officer(swept, "registrar")
    queue = swept.http.get("/api/v1/desk/appeals", headers=desk, params={"status": "pending"}).json()["items"]
    assert [a["id"] for a in queue] == [appeal["id"]]
    assert "RAHIMOV" not in json.dumps(queue) and p.number not in json.dumps(queue), "the queue names no one"
    d = decide(swept, desk, appeal["id"], True)
    assert d.status_code == 200
    assert d.json()["due_date"] == "2025-11-13"                    # Mon 11-10 + 3 working days
    assert d.json()["appeal"]["status"] == "granted"
    assert d.json()["appeal"]["decision_reason"] == "Hospital certificate checked, case 44/2025"
    p.at(swept.clock)
    me = p.me()
    reg = me["registration"]
    assert reg["id"] == p.reg_id and reg["status"] == "active", "the same registration, as if it had never lapsed"
    assert reg["last_confirmed_on"] == "2025-11-10" and reg["due_date"] == "2025-11-13"
    assert reg["residence"]["street"] == RESIDENCE["street"]
    # The stored row itself is restored, not only the view's reading of it.
    row = swept.db.query(f"SELECT status, ended_at, end_reason, due_date FROM registration_rows WHERE id = {p.reg_id}")
    assert row == [("active", "", "", "2025-11-13")]
    assert ("appeal_granted", {"due_date": "2025-11-13"}) in p.notices()
    assert [a["status"] for a in p.appeals()] == ["granted"]
    assert swept.confirm(p.token).status_code == 201, "confirming works again"
    actions = [a for (a,) in swept.db.query("SELECT action FROM audit ORDER BY seq")]
    assert actions.count("appeal.filed") == 1 and actions.count("appeal.granted") == 1
    assert "registration.restored" in actions
    assert swept.ctl("audit", "verify").stdout.startswith("intact")
    # The restored deadline is a real one: without confirmations the sweep lapses it again.
    swept.set_clock("2025-11-14T08:00:00+03:00")
    assert "1 lapsed" in swept.ctl("sweep", "--as-of", "2025-11-14").stdout
    assert [k for k, _ in p.notices()].count("lapsed") == 2, "the person hears of the second lapse too"
    # A new lapse may be appealed again (rule 13 counts from each lapse), once.
    p.at("2025-11-14T09:00:00+03:00")
    second = p.appeal()
    assert second.status_code == 201, second.text
    assert p.appeal().json()["code"] == "appeal_exists"
    lapses = [a["registration"]["lapsed_at"] for a in p.appeals()]
    assert lapses == ["2025-11-14T00:00:00+03:00", "2025-11-07T00:00:00+03:00"], "each appeal names its lapse"


def test_refused_appeal_changes_nothing(swept):
    (p,) = lapsed_people(swept)
    appeal_id = p.appeal().json()["id"]
    row = f"SELECT status, ended_at, end_reason, last_confirmed_on FROM registrations WHERE id = {p.reg_id}"
    before = swept.db.query(row)
    desk = officer(swept, "registrar")
    d = decide(swept, desk, appeal_id, False, reason="No evidence was given for the claim.")
    assert d.status_code == 200 and d.json()["due_date"] is None
    assert d.json()["appeal"]["status"] == "refused"
    after = swept.db.query(row)
    assert after == before and after[0][0] == "ended"
    me = p.me()
    assert me["registration"] is None and me["last_registration"]["end_reason"] == "lapsed"
    assert ("appeal_refused", {"reason": "No evidence was given for the claim."}) in p.notices()
    mine = p.appeals()
    assert mine[0]["status"] == "refused" and mine[0]["decision_reason"] == "No evidence was given for the claim."
    again = decide(swept, desk, appeal_id, True)
    assert again.status_code == 409 and again.json()["code"] == "appeal_decided"
    assert p.me()["registration"] is None
    refused = swept.http.get("/api/v1/desk/appeals?status=refused", headers=desk).json()["items"]
    assert [a["id"] for a in refused] == [appeal_id]
    assert swept.http.get("/api/v1/desk/appeals", headers=desk).json()["items"] == []
    assert swept.ctl("audit", "verify").stdout.startswith("intact")


def test_only_a_lapse_can_be_appealed(swept):
    never = Person(swept)
    r = never.appeal()
    assert r.status_code == 409 and r.json()["code"] == "no_lapsed_registration"
    active = Person(swept)
    swept.register(active.token)
    assert active.appeal().json()["code"] == "no_lapsed_registration"
    swept.http.request("DELETE", "/api/v1/me/registration", headers=swept.auth(active.token), json={"reason": "departed"})
    assert active.appeal().json()["code"] == "no_lapsed_registration"
    assert swept.db.scalar("SELECT COUNT(*) FROM appeals") == 0


def test_appeal_window_ends_with_the_30th_day_after_the_lapse(swept):
    early, late = lapsed_people(swept, 2)
    early.at("2025-12-07T23:59:00+03:00")                          # lapse day 11-07 + 30
    assert early.appeal().status_code == 201
    late.at("2025-12-08T00:00:00+03:00")
    r = late.appeal()
    assert r.status_code == 409 and r.json()["code"] == "appeal_window_closed"


def test_one_appeal_per_lapse(swept):
    (p,) = lapsed_people(swept)
    assert p.appeal().status_code == 201
    r = p.appeal("Another reason, maybe better this time.")
    assert r.status_code == 409 and r.json()["code"] == "appeal_exists"
    assert len(p.appeals()) == 1


def test_reason_length_is_counted_in_characters(swept):
    (p,) = lapsed_people(swept)
    assert p.appeal("too short").status_code == 400                 # 9 characters
    assert p.appeal("x" * 501).status_code == 400
    assert p.appeal("").status_code == 400
    r = p.appeal("Был в больнице")                                   # 14 characters, 27 bytes
    assert r.status_code == 201 and r.json()["reason"] == "Был в больнице"


def test_reason_may_span_lines(swept):
    (p,) = lapsed_people(swept)
    r = p.appeal("The app failed.\nI tried three times on 6 November.")
    assert r.status_code == 201 and "\n" in r.json()["reason"]


def test_registered_again_blocks_a_grant(swept):
    (p,) = lapsed_people(swept)
    appeal_id = p.appeal().json()["id"]
    new_reg = swept.register(p.token)["id"]
    desk = officer(swept, "registrar")
    r = decide(swept, desk, appeal_id, True)
    assert r.status_code == 409 and r.json()["code"] == "registered_again"
    me = p.me()
    assert me["registration"]["id"] == new_reg, "the new registration is untouched"
    # Registering again rewrote the marked row itself (settled), not only the view.
    assert swept.db.query(f"SELECT status FROM registration_rows WHERE id = {p.reg_id}") == [("ended",)]
    assert p.appeals()[0]["status"] == "pending", "nothing changed"
    assert decide(swept, desk, appeal_id, False, reason="Registered again meanwhile.").status_code == 200


def test_only_registrars_decide(swept):
    (p,) = lapsed_people(swept)
    appeal_id = p.appeal().json()["id"]
    for role in ("inspector", "auditor"):
        desk = officer(swept, role)
        assert swept.http.get("/api/v1/desk/appeals", headers=desk).status_code == 403
        assert decide(swept, desk, appeal_id, True).status_code == 403
    assert decide(swept, swept.auth(p.token), appeal_id, True).status_code == 401, "a person's token is not a desk token"
    assert p.appeals()[0]["status"] == "pending"


def test_decision_input_is_checked(swept):
    (p,) = lapsed_people(swept)
    appeal_id = p.appeal().json()["id"]
    desk = officer(swept, "registrar")
    assert decide(swept, desk, appeal_id, True, reason="").status_code == 400
    no_grant = swept.http.post(f"/api/v1/desk/appeals/{appeal_id}/decision", headers=desk, json={"reason": "Looks fine to me."})
    assert no_grant.status_code == 400 and no_grant.json()["code"] == "missing_field"
    not_bool = swept.http.post(f"/api/v1/desk/appeals/{appeal_id}/decision", headers=desk,
                               json={"grant": "yes", "reason": "Looks fine to me."})
    assert not_bool.status_code == 400 and not_bool.json()["code"] == "invalid_type"
    assert decide(swept, desk, 999999, True).status_code == 404
    assert decide(swept, desk, "abc", True).status_code == 404
    assert swept.http.get("/api/v1/desk/appeals?status=all", headers=desk).status_code == 400
    assert p.appeals()[0]["status"] == "pending"


def test_granting_the_guardian_restores_the_minor(swept):
    g = Person(swept)
    g.reg_id = swept.register(g.token)["id"]
    r = swept.http.post("/api/v1/me/minors", headers=swept.auth(g.token),
                        json={"surname": "RAHIMOVA", "given_names": "ZARINA", "birth_date": "2015-06-01",
                              "citizenship": "TJK"})
    assert r.status_code == 201
    swept.set_clock(LAPSE_DAY + "T08:00:00+03:00")
    swept.ctl("sweep", "--as-of", LAPSE_DAY)
    g.at(swept.clock)
    kids = swept.http.get("/api/v1/me/minors", headers=swept.auth(g.token)).json()["items"]
    assert kids[0]["end_reason"] == "guardian_ended"
    appeal_id = g.appeal().json()["id"]
    assert decide(swept, officer(swept, "registrar"), appeal_id, True).status_code == 200
    kids = swept.http.get("/api/v1/me/minors", headers=swept.auth(g.token)).json()["items"]
    assert kids[0]["status"] == "active" and kids[0]["end_reason"] is None
    assert swept.ctl("audit", "verify").stdout.startswith("intact")
