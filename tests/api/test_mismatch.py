"""Rule 8: after three counted confirmations in a row away from the residence
the person is asked to update it or re-affirm it; "my address is right" is
POST /api/v1/me/registration/residence/reaffirm."""
AWAY = {"lat": 55.80, "lon": 37.70, "accuracy": 30}   # several km from conftest's RESIDENCE


def notices(uchet, token, kind):
    r = uchet.http.get("/api/v1/me/notifications", headers=uchet.auth(token))
    assert r.status_code == 200
    return [n for n in r.json()["items"] if n["kind"] == kind]


def streak(uchet, number):
    return uchet.db.scalar("SELECT mismatch_streak FROM registrations r JOIN documents d ON d.person_id = r.person_id"
                           f" WHERE d.number = '{number}' AND r.status = 'active'")


def test_my_address_is_right_answers_the_mismatch_notice(uchet):
    number, token = uchet.new_user()
    uchet.register(token)
    for _ in range(3):
        assert uchet.confirm(token, **AWAY).json()["at_residence"] is False
    [n] = notices(uchet, token, "mismatch")
    assert n["read"] is False and streak(uchet, number) == 3

    r = uchet.http.post("/api/v1/me/registration/residence/reaffirm", headers=uchet.auth(token))
    assert r.status_code == 200, r.text
    assert r.json()["residence"]["street"] == uchet.me(token)["registration"]["residence"]["street"]
    [n] = notices(uchet, token, "mismatch")
    assert n["read"] is True
    assert streak(uchet, number) == 0
    events = uchet.db.query("SELECT action FROM audit WHERE action = 'residence.reaffirmed'")
    assert len(events) == 1
    # the residence is the same one: confirmations away count from zero again
    assert uchet.confirm(token, **AWAY).status_code == 201
    assert streak(uchet, number) == 1


def test_reaffirm_needs_a_session_and_a_registration(uchet):
    assert uchet.http.post("/api/v1/me/registration/residence/reaffirm").status_code == 401
    _, token = uchet.new_user()
    r = uchet.http.post("/api/v1/me/registration/residence/reaffirm", headers=uchet.auth(token))
    assert r.status_code == 409 and r.json()["code"] == "no_active_registration"
