"""A desk session ends after 15 minutes without a request (docs/DESK.md),
reads included: an officer who only watches the queues stays logged in. The
desk's reads are one statement each on a read lane (issue 18); a read that
finds the session's last request older than a minute has it slid by a small
write of its own, after the answer. Both backends."""
import datetime
import time

from conftest import add_officer, desk_login, docset_uchet

NOW = 1761894000           # conftest.START_CLOCK, 2025-10-31T10:00:00+03:00
READS = {"registrar": ["/api/v1/desk/enrolments", "/api/v1/desk/appeals", "/api/v1/desk/document-sets"],
         "supervisor": ["/api/v1/desk/officers"]}


def _at(seconds):
    t = datetime.datetime.fromtimestamp(NOW + seconds, datetime.timezone(datetime.timedelta(hours=3)))
    return t.isoformat()


def _seen(u, login):
    return int(u.db.query("SELECT COALESCE(s.last_seen_at, s.created_at) FROM officer_sessions s"
                          f" JOIN officers o ON o.id = s.officer_id WHERE o.login = '{login}'")[0][0])


def _slid_to(u, login, when):
    """The slide is written after the answer (it does not delay it): wait
    for it, at most 10 s, and say whether it came."""
    for _ in range(200):
        if _seen(u, login) == when:
            return True
        time.sleep(0.05)
    return False


def _docset_server(uchet_factory, tmp_path, monkeypatch):
    return docset_uchet(uchet_factory, tmp_path, monkeypatch)


def test_an_officer_who_only_reads_stays_logged_in_then_idles_out(uchet_factory, tmp_path, monkeypatch):
    u = _docset_server(uchet_factory, tmp_path, monkeypatch)
    logins = {role: add_officer(u, role) for role in READS}
    desks = {role: desk_login(u, login) for role, login in logins.items()}
    t = 0
    for i in range(1, 7):                       # an hour of reading, a request every 10 minutes
        t = i * 600
        u.set_clock(_at(t))
        for role, paths in READS.items():
            path = paths[i % len(paths)]        # each queue in turn
            r = u.http.get(path, headers=desks[role])
            assert r.status_code == 200, (role, path, t, r.text)
            assert _slid_to(u, logins[role], NOW + t), (role, path, t, _seen(u, logins[role]))
    for role, paths in READS.items():           # within the minute: read, not written again
        for path in paths:
            u.set_clock(_at(t + 30))
            assert u.http.get(path, headers=desks[role]).status_code == 200, (role, path)
        assert _seen(u, logins[role]) == NOW + t, role
    u.set_clock(_at(t + 16 * 60))               # 16 minutes after the last slide: logged out
    for role, paths in READS.items():
        for path in paths:
            r = u.http.get(path, headers=desks[role])
            assert r.status_code == 401 and r.json()["code"] == "unauthorized", (role, path)
    u.set_clock(_at(0))


def test_the_idle_limit_counts_from_the_last_slide_within_a_minute(uchet_factory, tmp_path, monkeypatch):
    """docs/DESK.md: a read slides the limit only when the last slide is a
    minute old or more, so the session ends between 14 and 15 minutes after
    the last request, never later."""
    u = _docset_server(uchet_factory, tmp_path, monkeypatch)
    login = add_officer(u, "registrar")
    desk = desk_login(u, login)
    u.set_clock(_at(600))
    assert u.http.get("/api/v1/desk/appeals", headers=desk).status_code == 200
    assert _slid_to(u, login, NOW + 600)
    u.set_clock(_at(659))                       # 59 s later: not slid
    assert u.http.get("/api/v1/desk/appeals", headers=desk).status_code == 200
    u.set_clock(_at(660 + 14 * 60 + 59))        # 14:59 after the last read, 15:59 after the slide
    r = u.http.get("/api/v1/desk/appeals", headers=desk)
    assert r.status_code == 401 and r.json()["code"] == "unauthorized"
    u.set_clock(_at(0))


def test_an_auditor_verifying_the_chain_in_steps_stays_logged_in(uchet):
    """POST /desk/audit/verify's steps are reads (one statement each): an
    auditor whose verification runs for half an hour, a step every 10
    minutes, stays logged in; the steps slide the session as the queues do."""
    login = add_officer(uchet, "auditor")
    desk = desk_login(uchet, login)
    body = {"max_events": 1}
    for i in range(1, 4):
        uchet.set_clock(_at(i * 600))
        r = uchet.http.post("/api/v1/desk/audit/verify", headers=desk, json=body)
        assert r.status_code == 200 and r.json()["state"] == "running", (i, r.text)
        assert _slid_to(uchet, login, NOW + i * 600), (i, _seen(uchet, login))
        body = {"max_events": 1, "cursor": r.json()["cursor"]}
    uchet.set_clock(_at(0))
