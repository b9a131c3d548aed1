"""Confirmation of presence and the deadline (product rules 3 and 4)."""
import threading
import uuid

import pytest

from conftest import RESIDENCE

# One uchetd for the tests that keep the start clock and look only at their
# own person's confirmations (the one count read is a before and after around
# its own requests, nothing else runs on the server meanwhile): an ASan start
# per test was most of their time. Tests that move the clock keep a server of
# their own. Marked xdist_group: one worker runs them all (see conftest's
# pytest_configure).
SHARED = pytest.mark.xdist_group("confirmations")


@pytest.fixture(scope="module")
def confd(module_uchet_factory):
    return module_uchet_factory().start()


def registered(uchet):
    number, token = uchet.new_user()
    uchet.register(token)
    return token


class Person:
    """A registered person who logs in again whenever the clock jumps (tokens last 12 h)."""

    def __init__(self, uchet):
        self.uchet = uchet
        self.number, self.token = uchet.new_user()
        uchet.register(self.token)

    def at(self, when):
        self.uchet.set_clock(when)
        self.token = self.uchet.login(self.number)
        return self


@SHARED
def test_confirm_at_residence(confd):
    token = registered(confd)
    r = confd.confirm(token, lat=RESIDENCE["lat"] + 0.001, lon=RESIDENCE["lon"])   # ~111 m away
    assert r.status_code == 201
    body = r.json()
    assert body["result"] == "counted" and body["at_residence"] is True
    assert body["due_date"] == "2025-11-06" and body["lapse_at"] == "2025-11-07T00:00:00+03:00"


@SHARED
def test_confirm_away_from_residence_still_counts(confd):
    token = registered(confd)
    r = confd.confirm(token, lat=55.80, lon=37.70, accuracy=30)   # several km away
    assert r.status_code == 201
    assert r.json()["result"] == "counted" and r.json()["at_residence"] is False


@SHARED
def test_accuracy_is_added_to_the_radius(confd):
    token = registered(confd)
    # ~400 m north: outside 300 m, inside 300 m + 150 m accuracy.
    lat = RESIDENCE["lat"] + 400 / 111195
    assert confd.confirm(token, lat=lat, accuracy=50).json()["at_residence"] is False
    assert confd.confirm(token, lat=lat, accuracy=150).json()["at_residence"] is True


def test_too_inaccurate_does_not_count(uchet):
    token = Person(uchet).at("2025-11-05T09:00:00+03:00").token
    r = uchet.confirm(token, accuracy=501)
    assert r.status_code == 201
    assert r.json()["result"] == "too_inaccurate" and r.json()["at_residence"] is None
    assert r.json()["due_date"] == "2025-11-06", "the deadline did not move"
    assert uchet.me(token)["registration"]["last_confirmed_on"] == "2025-10-31"
    assert uchet.confirm(token, accuracy=500).json()["result"] == "counted"


def test_retry_with_same_key_returns_first_answer_and_writes_nothing(uchet):
    token = registered(uchet)
    key = "retry-" + uuid.uuid4().hex[:10]
    first = uchet.confirm(token, key=key)
    audit_before = uchet.db.scalar("SELECT COUNT(*) FROM audit")
    uchet.set_clock("2025-10-31T11:00:00+03:00")
    again = uchet.confirm(token, lat=55.9, lon=37.9, key=key)
    assert again.status_code == 201 and again.json() == first.json()
    assert uchet.db.scalar(f"SELECT COUNT(*) FROM confirmations WHERE idempotency_key = '{key}'") == 1
    assert uchet.db.scalar("SELECT COUNT(*) FROM audit") == audit_before


@SHARED
def test_concurrent_retries_record_once(confd):
    token = registered(confd)
    key = "race-" + uuid.uuid4().hex[:10]
    answers = []
    threads = [threading.Thread(target=lambda: answers.append(confd.confirm(token, key=key))) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert {a.status_code for a in answers} == {201}
    assert len({a.text for a in answers}) == 1
    assert confd.db.scalar(f"SELECT COUNT(*) FROM confirmations WHERE idempotency_key = '{key}'") == 1


def test_deadline_moves_with_each_confirmation_and_clock(uchet):
    p = Person(uchet)
    assert uchet.me(p.token)["registration"]["working_days_left"] == 3
    p.at("2025-11-05T12:00:00+03:00")                        # Wed: 11-02..04 were holidays
    assert uchet.me(p.token)["registration"]["working_days_left"] == 2
    p.at("2025-11-06T23:59:00+03:00")                        # the last day, a minute before lapse
    assert uchet.me(p.token)["registration"]["working_days_left"] == 1
    r = uchet.confirm(p.token)
    # Confirmed Thu 11-06: Fri 11-07, Mon 11-10, Tue 11-11.
    assert r.json()["due_date"] == "2025-11-11"
    assert r.json()["lapse_at"] == "2025-11-12T00:00:00+03:00"


def test_new_year_2026_holidays(uchet):
    uchet.set_clock("2025-12-29T15:00:00+03:00")
    p = Person(uchet).at("2025-12-30T15:00:00+03:00")
    r = uchet.confirm(p.token)
    # Tue 12-30; 12-31 and 1-1..1-11 are off in 2026's calendar: Jan 12, 13, 14.
    assert r.json()["due_date"] == "2026-01-14" and r.json()["calendar"] == "official"


def test_2027_is_provisional(uchet):
    uchet.set_clock("2027-03-04T10:00:00+03:00")
    p = Person(uchet).at("2027-03-05T10:00:00+03:00")        # Friday; Mon 03-08 is a holiday
    body = uchet.confirm(p.token).json()
    assert body["calendar"] == "provisional"
    assert body["due_date"] == "2027-03-11"


@SHARED
def test_confirm_without_registration(confd):
    _, token = confd.new_user()
    r = confd.confirm(token)
    assert r.status_code == 409 and r.json()["code"] == "no_active_registration"


@SHARED
def test_bad_fixes_are_rejected_without_writing(confd):
    token = registered(confd)
    good = {"lat": 55.75, "lon": 37.61, "accuracy_m": 10, "client_time": "2025-10-31T10:00:00+03:00",
            "idempotency_key": "k" * 16}
    cases = [
        ({"lat": 90.0001}, "invalid_latitude"), ({"lat": -91}, "invalid_latitude"),
        ({"lon": 180.01}, "invalid_longitude"), ({"lat": "55"}, "invalid_type"),
        ({"accuracy_m": -1}, "out_of_range"), ({"idempotency_key": "short"}, "too_short"),
        ({"idempotency_key": "bad key with spaces"}, "invalid_idempotency_key"),
        ({"client_time": "yesterday"}, "invalid_client_time"), ({"lat": None}, "missing_field"),
        ({"speed": 3}, "unknown_field"), ({"lat": True}, "invalid_type"),
    ]
    before = confd.db.scalar("SELECT COUNT(*) FROM confirmations")
    for change, code in cases:
        body = dict(good)
        for k, v in change.items():
            if v is None:
                body.pop(k)
            else:
                body[k] = v
        r = confd.http.post("/api/v1/me/confirmations", headers=confd.auth(token), json=body)
        assert r.status_code == 400, (change, r.text)
        assert r.json()["code"] == code, (change, r.json())
        assert "55.75" not in r.text and "37.61" not in r.text
    assert confd.db.scalar("SELECT COUNT(*) FROM confirmations") == before
