"""Notices pushed to the person's phone (product rule 5): Web Push to the
subscriptions a person's browsers registered, encrypted (RFC 8291), signed
(RFC 8292) and written in the person's language.

The push service is tests/api/fakepush.py: it checks VAPID and decrypts with
the subscription's private key, as a browser's push service and the browser
would, so what the tests read is what the phone would show.

Notices are queued by the daily sweep (src/store/sweep.c) in real use; most
tests here queue one straight into the notices table instead (queue_notice
below, the test-only path), so that they test delivery alone. The last test
goes the whole way: a registration, the clock moved to the day before the
deadline, the sweep inside uchetd, the push.
"""
import base64
import json
import os
import signal
import stat
import subprocess
import threading
import time
import uuid
from datetime import datetime

import httpx
import pytest

import fakepush
from conftest import START_CLOCK, TEST_ARGON2, UCHETD, free_port
from fakepush import FakePush, b64u_decode

TG_ONE_DAY_LEFT_TITLE = "Барои тасдиқ як рӯзи корӣ монд"
TG_LAST_DAY_TITLE = "Имрӯз рӯзи охири тасдиқ аст"


def epoch(rfc3339):
    return int(datetime.fromisoformat(rfc3339).timestamp())


def wait_for(pred, timeout=10.0, what="condition"):
    deadline = time.time() + timeout
    while time.time() < deadline:
        value = pred()
        if value:
            return value
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}")


class HoldingHandler(fakepush._Handler):
    """Like the fake service, but while `hold` is set a push request is read
    and never answered: a push in flight when uchetd stops."""

    def do_POST(self):
        svc = self.server.fake
        hold = svc.hold
        if hold is not None and self.path.startswith("/push/"):
            self._body(fakepush.MAX_BODY)
            svc.held.set()
            hold.wait(60)
            self.close_connection = True
            return
        super().do_POST()


class HoldingFakePush(FakePush):
    def __init__(self):
        super().__init__()
        self.hold, self.held = None, threading.Event()

    def start(self):
        self._server = fakepush.ThreadingHTTPServer((self.host, self.port), HoldingHandler)
        self._server.daemon_threads = True
        self._server.fake = self
        self.port = self._server.server_address[1]
        self._thread = threading.Thread(target=self._server.serve_forever, args=(0.05,), daemon=True)
        self._thread.start()
        return self

    def release(self):
        hold, self.hold = self.hold, None
        if hold:
            hold.set()


def key_path(u):
    """Where uchetd keeps the key (conftest sets the variable for PostgreSQL)."""
    return os.environ.get("UCHET_VAPID_KEY_FILE") or os.path.join(os.path.dirname(u.db_url), "vapid.pem")


def public_key(u):
    r = u.http.get("/api/v1/push/vapid-public-key")
    assert r.status_code == 200
    return r.json()["key"]


@pytest.fixture
def fake():
    svc = HoldingFakePush().start()
    yield svc
    svc.release()
    svc.stop()


# One uchetd for the tests that look only at their own person's notices and
# subscriptions (each makes its own person and its own fake push service's
# subscriptions; a notice is queued for that person and read back by its id):
# an ASan start per test was most of their time. Tests that move the clock,
# stop, crash or restart the server, rotate or read its key file, or start
# one of their own keep a server of their own. Marked xdist_group: one
# worker runs them all (see conftest's pytest_configure).
SHARED = pytest.mark.xdist_group("push")


@pytest.fixture(scope="module")
def pushd(module_uchet_factory):
    return module_uchet_factory().start()


@pytest.fixture(scope="module")
def refused_token(pushd):
    """The token of one person for the refused subscriptions below: none of
    them changes the person (each is answered 400 before anything is kept)."""
    return pushd.new_user()[1]


def person_id(u, number):
    return u.db.scalar(f"SELECT person_id FROM documents WHERE number = '{number}'")


def queue_notice(u, pid, kind, params, at=None):
    """Test-only path: queues a notice as notice_queue() does (the sweep's
    way), due for push at `at` (default: the service's clock now)."""
    at = epoch(u.clock) if at is None else at
    key = "test:" + uuid.uuid4().hex
    u.db.query("INSERT INTO notices (person_id, kind, dedupe_key, params, created_at, next_push_at)"
               f" VALUES ({pid}, '{kind}', '{key}', '{json.dumps(params)}', {at}, {at})")
    return u.db.scalar(f"SELECT id FROM notices WHERE dedupe_key = '{key}'")


def notice_row(u, nid):
    state, attempts, next_at = u.db.query(
        f"SELECT push_state, push_attempts, next_push_at FROM notices WHERE id = {nid}")[0]
    return state, int(attempts), int(next_at)


def subscribe(u, token, sub):
    r = u.http.post("/api/v1/me/push-subscriptions", headers=u.auth(token),
                    json={"endpoint": sub["endpoint"], "keys": sub["keys"]})
    assert r.status_code == 201, r.text
    return sub


def tajik_subscriber(u, fake):
    number, token = u.new_user(language="tg")
    sub = subscribe(u, token, fake.subscribe())
    return number, token, sub


REMINDER = {"due_date": "2025-11-06", "lapse_at": "2025-11-07T00:00:00+03:00"}


def test_vapid_public_key_is_a_p256_point_kept_in_a_private_file(uchet_factory):
    u = uchet_factory().start()
    key = public_key(u)
    raw = b64u_decode(key)
    assert len(raw) == 65 and raw[0] == 4
    fakepush.public_from_bytes(raw)   # raises unless the point is on P-256
    assert stat.S_IMODE(os.stat(key_path(u)).st_mode) == 0o600
    u.stop()
    u.start()
    assert public_key(u) == key, "the key survives a restart"


def test_key_rotation_drops_the_old_subscriptions(uchet, fake):
    number, token, sub = tajik_subscriber(uchet, fake)
    pid = person_id(uchet, number)
    old = public_key(uchet)
    uchet.stop()
    out = uchet.ctl("keys", "rotate", "--vapid-key-file", key_path(uchet)).stdout
    assert "1 push subscription(s) made with the old key deleted" in out
    assert uchet.db.scalar(f"SELECT count(*) FROM push_subscriptions WHERE person_id = {pid}") == 0
    uchet.start()
    new = public_key(uchet)
    assert new != old and f"public key: {new}" in out
    assert stat.S_IMODE(os.stat(key_path(uchet)).st_mode) == 0o600
    # Turned on again in the app: a new subscription, pushes signed with the new key.
    again = subscribe(uchet, uchet.login(number), fake.subscribe())
    queue_notice(uchet, pid, "mismatch", {})
    got = wait_for(lambda: fake.received(again["id"]), what="a push with the new key")
    assert got[0]["vapid_key"] == new
    assert fake.attempts(sub["id"]) == []


@SHARED
def test_tajik_notice_arrives_encrypted_and_in_tajik(pushd, fake):
    number, _, sub = tajik_subscriber(pushd, fake)
    nid = queue_notice(pushd, person_id(pushd, number), "one_day_left", REMINDER)
    got = wait_for(lambda: fake.received(sub["id"]), what="the push")
    assert len(got) == 1
    msg = got[0]
    payload = json.loads(msg["payload"])     # decrypted by the fake with the browser's key
    assert payload["title"] == TG_ONE_DAY_LEFT_TITLE
    assert payload["body"].startswith("Рӯзи охири тасдиқ: панҷшанбе, 6 ноябр 2025. Барномаро кушоед")
    assert "ҷумъа, 7 ноябр 2025, соат 00:00 (UTC+03:00)" in payload["body"]
    assert "{" not in payload["body"]
    assert payload["tag"] == f"notice-{nid}"
    assert msg["topic"] == f"n{nid}" and msg["urgency"] == "high" and msg["ttl"] == 86400
    assert msg["vapid_key"] == pushd.http.get("/api/v1/push/vapid-public-key").json()["key"]
    wait_for(lambda: notice_row(pushd, nid)[0] == "sent", what="push_state sent")
    assert notice_row(pushd, nid)[1] == 1


@SHARED
def test_each_person_reads_their_own_language(pushd, fake):
    texts = {}
    for lang in ("ru", "uz", "zh"):
        number, token = pushd.new_user(language=lang)
        sub = subscribe(pushd, token, fake.subscribe())
        queue_notice(pushd, person_id(pushd, number), "last_day", REMINDER)
        got = wait_for(lambda: fake.received(sub["id"]), what=f"the {lang} push")
        texts[lang] = json.loads(got[0]["payload"])
    assert texts["ru"]["title"] == "Сегодня последний день, чтобы подтвердить"
    assert "четверг, 6 ноября 2025 г." in texts["ru"]["body"]
    assert texts["uz"]["title"] == "Bugun tasdiqlashning oxirgi kuni"
    assert texts["zh"]["title"] == "今天是确认的最后一天"


@SHARED
def test_language_change_applies_to_the_next_push(pushd, fake):
    number, token, sub = tajik_subscriber(pushd, fake)
    r = pushd.http.patch("/api/v1/me", headers=pushd.auth(token), json={"language": "en"})
    assert r.status_code == 200
    queue_notice(pushd, person_id(pushd, number), "host_confirmed", {})
    got = wait_for(lambda: fake.received(sub["id"]), what="the push")
    assert json.loads(got[0]["payload"]) ["title"] == "Your landlord confirmed your address"


@SHARED
def test_every_browser_of_the_person_gets_it(pushd, fake):
    number, token, first = tajik_subscriber(pushd, fake)
    second = subscribe(pushd, token, fake.subscribe())
    queue_notice(pushd, person_id(pushd, number), "mismatch", {})
    for sub in (first, second):
        got = wait_for(lambda: fake.received(sub["id"]), what="both pushes")
        assert json.loads(got[0]["payload"])["title"] == "Суроғаи шумо ҳанӯз дуруст аст?"


@SHARED
def test_a_long_refusal_reason_arrives_whole(pushd, fake):
    number, _, sub = tajik_subscriber(pushd, fake)
    reason = "Ҳуҷҷатҳо " * 29 + "{due_d}"        # 500 bytes, as long as a reason may be
    assert len(reason.encode()) == 500
    queue_notice(pushd, person_id(pushd, number), "appeal_refused", {"reason": reason})
    got = wait_for(lambda: fake.received(sub["id"]), what="the push")
    payload = json.loads(got[0]["payload"])
    assert payload["title"] == "Шикояти шумо рад карда шуд"
    assert payload["body"].startswith("Сабаби кормманд: " + reason + ". Бақайдгирӣ қатъ боқӣ мемонад.")


@SHARED
def test_no_subscription_means_inbox_only(pushd, fake):
    number, _ = pushd.new_user(language="tg")
    nid = queue_notice(pushd, person_id(pushd, number), "lapsed",
                       {"lapsed_at": "2025-11-07T00:00:00+03:00", "appeal_until": "2025-12-07"})
    wait_for(lambda: notice_row(pushd, nid)[0] == "none", what="push_state none")
    assert notice_row(pushd, nid)[1] == 0


@SHARED
def test_410_gone_removes_the_subscription(pushd, fake):
    number, _, sub = tajik_subscriber(pushd, fake)
    pid = person_id(pushd, number)
    fake.set_status(sub["id"], 410)
    nid = queue_notice(pushd, pid, "one_day_left", REMINDER)
    wait_for(lambda: notice_row(pushd, nid)[0] == "none", what="push_state none")
    assert [a["status"] for a in fake.attempts(sub["id"])] == [410]
    assert pushd.db.scalar(f"SELECT count(*) FROM push_subscriptions WHERE person_id = {pid}") == 0
    # Nothing is sent there again.
    nid2 = queue_notice(pushd, pid, "last_day", REMINDER)
    wait_for(lambda: notice_row(pushd, nid2)[0] == "none", what="second notice none")
    assert len(fake.attempts(sub["id"])) == 1


def test_500_is_retried_with_backoff(uchet, fake):
    number, _, sub = tajik_subscriber(uchet, fake)
    fake.set_status(sub["id"], 500)
    nid = queue_notice(uchet, person_id(uchet, number), "last_day", REMINDER)
    wait_for(lambda: notice_row(uchet, nid)[1] == 1, what="the first attempt")
    state, attempts, next_at = notice_row(uchet, nid)
    now = epoch(uchet.clock)
    assert state == "pending" and now + 60 <= next_at <= now + 60 + 60 // 8
    time.sleep(1.5)
    assert len(fake.attempts(sub["id"])) == 1, "no retry before the backoff is over"
    fake.set_status(sub["id"], None)
    uchet.set_clock("2025-10-31T10:01:10+03:00")
    wait_for(lambda: fake.received(sub["id"]), what="the retried push")
    wait_for(lambda: notice_row(uchet, nid)[0] == "sent", what="push_state sent")
    assert notice_row(uchet, nid)[1] == 2
    assert [a["status"] for a in fake.attempts(sub["id"])] == [500, 201]


def test_gives_up_after_ten_busy_answers(uchet, fake):
    number, _, sub = tajik_subscriber(uchet, fake)
    fake.set_status(sub["id"], 503)
    nid = queue_notice(uchet, person_id(uchet, number), "mismatch", {})
    t = epoch(uchet.clock)
    for n in range(1, 11):
        wait_for(lambda: notice_row(uchet, nid)[1] == n, what=f"attempt {n}")
        t += 7 * 3600     # past the longest backoff (6 h + 1/8 jitter)
        uchet.set_clock(datetime.fromtimestamp(t).astimezone().isoformat())
    wait_for(lambda: notice_row(uchet, nid)[0] == "failed", what="push_state failed")
    time.sleep(1.5)
    assert len(fake.attempts(sub["id"])) == 10


def test_a_clean_stop_mid_push_loses_nothing(uchet, fake):
    number, _, sub = tajik_subscriber(uchet, fake)
    fake.hold = threading.Event()
    nid = queue_notice(uchet, person_id(uchet, number), "last_day", REMINDER)
    assert fake.held.wait(10), "the push never started"
    started = time.time()
    assert uchet.stop() == 0
    assert time.time() - started < 5, "the stop did not wait for the push service"
    state, attempts, next_at = notice_row(uchet, nid)
    assert (state, attempts) == ("pending", 0) and next_at <= epoch(uchet.clock), "released, due at once"
    fake.release()
    uchet.start()
    got = wait_for(lambda: fake.received(sub["id"]), what="the push after restart")
    assert json.loads(got[0]["payload"])["title"] == TG_LAST_DAY_TITLE
    wait_for(lambda: notice_row(uchet, nid)[0] == "sent", what="push_state sent")


def test_a_crash_mid_push_loses_nothing(uchet, fake):
    number, _, sub = tajik_subscriber(uchet, fake)
    fake.hold = threading.Event()
    nid = queue_notice(uchet, person_id(uchet, number), "last_day", REMINDER)
    assert fake.held.wait(10), "the push never started"
    uchet.stop(signal.SIGKILL)
    state, attempts, next_at = notice_row(uchet, nid)
    assert (state, attempts) == ("pending", 0)
    assert next_at == epoch(uchet.clock) + 600, "leased for 10 minutes"
    fake.release()
    uchet.clock = "2025-10-31T10:10:01+03:00"    # restart after the lease ran out
    uchet.start()
    got = wait_for(lambda: fake.received(sub["id"]), what="the push after the crash")
    assert len(got) == 1 and json.loads(got[0]["payload"])["tag"] == f"notice-{nid}"
    wait_for(lambda: notice_row(uchet, nid)[0] == "sent", what="push_state sent")


@SHARED
def test_unsubscribe_stops_pushes(pushd, fake):
    number, token, sub = tajik_subscriber(pushd, fake)
    r = pushd.http.request("DELETE", "/api/v1/me/push-subscriptions", headers=pushd.auth(token),
                           json={"endpoint": sub["endpoint"]})
    assert r.status_code == 204
    r = pushd.http.request("DELETE", "/api/v1/me/push-subscriptions", headers=pushd.auth(token),
                           json={"endpoint": sub["endpoint"]})
    assert r.status_code == 204, "a repeated DELETE is fine"
    nid = queue_notice(pushd, person_id(pushd, number), "mismatch", {})
    wait_for(lambda: notice_row(pushd, nid)[0] == "none", what="push_state none")
    assert fake.attempts(sub["id"]) == []


@SHARED
def test_reposting_another_persons_endpoint_does_not_move_it(pushd, fake):
    """Issue 12: posting another person's endpoint moved the subscription to
    the poster (and with the poster's keys the owner could not read a push)."""
    a_number, a_token, sub = tajik_subscriber(pushd, fake)
    b_number, b_token = pushd.new_user(language="en")
    r = pushd.http.post("/api/v1/me/push-subscriptions", headers=pushd.auth(b_token),
                        json={"endpoint": sub["endpoint"], "keys": fake.subscribe()["keys"]})
    assert r.status_code == 409 and r.json()["code"] == "endpoint_taken"
    # the endpoint is still A's one subscription, and B has none
    held = f"SELECT person_id FROM push_subscriptions WHERE endpoint = '{sub['endpoint']}'"
    assert pushd.db.query(held) == [(str(person_id(pushd, a_number)),)]
    for number, count in ((a_number, 1), (b_number, 0)):
        assert pushd.db.scalar("SELECT COUNT(*) FROM push_subscriptions"
                               f" WHERE person_id = {person_id(pushd, number)}") == count
    a_nid = queue_notice(pushd, person_id(pushd, a_number), "mismatch", {})
    wait_for(lambda: notice_row(pushd, a_nid)[0] == "sent", what="A still gets its pushes")
    got = wait_for(lambda: fake.received(sub["id"]), what="A's push, readable with A's keys")
    assert got and json.loads(got[0]["payload"])["title"]
    # the owner may refresh its own subscription
    assert subscribe(pushd, a_token, sub)


@SHARED
def test_a_person_keeps_the_eight_newest_browsers(pushd, fake):
    number, token = pushd.new_user()
    subs = [subscribe(pushd, token, fake.subscribe()) for _ in range(10)]
    pid = person_id(pushd, number)
    kept = {row[0] for row in pushd.db.query(f"SELECT endpoint FROM push_subscriptions WHERE person_id = {pid}")}
    assert len(kept) == 8 and subs[-1]["endpoint"] in kept


def b64u(raw):
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


@pytest.mark.parametrize("change, code", [
    ({"endpoint": "http://push.example.net/x"}, "invalid_endpoint"),
    ({"endpoint": "ftp://push.example.net/x"}, "invalid_endpoint"),
    ({"endpoint": "https://"}, "invalid_endpoint"),
    ({"endpoint": "https://push.example.net/" + "a" * 1100}, "too_long"),
    ({"keys": {"p256dh": b64u(b"\x04" + b"\x01" * 64), "auth": b64u(b"a" * 16)}}, "invalid_key"),
    ({"keys": {"p256dh": b64u(b"\x04" + b"\x01" * 63), "auth": b64u(b"a" * 16)}}, "invalid_key"),
    ({"keys": {"p256dh": "VALID", "auth": b64u(b"a" * 15)}}, "invalid_key"),
    ({"keys": {"p256dh": "VALID", "auth": "a+b/"}}, "invalid_key"),
    ({"keys": {"p256dh": "VALID"}}, "missing_field"),
    ({"keys": {"p256dh": "VALID", "auth": b64u(b"a" * 16), "x": 1}}, "unknown_field"),
    ({"extra": 1}, "unknown_field"),
])
@SHARED
def test_bad_subscriptions_are_refused(pushd, refused_token, fake, change, code):
    token = refused_token
    sub = fake.subscribe()
    body = {"endpoint": "https://push.example.net/send/abc", "keys": dict(sub["keys"])}
    body.update(change)
    if body["keys"].get("p256dh") == "VALID":
        body["keys"]["p256dh"] = sub["keys"]["p256dh"]
    r = pushd.http.post("/api/v1/me/push-subscriptions", headers=pushd.auth(token), json=body)
    assert r.status_code == 400 and r.json()["code"] == code, r.text


@SHARED
def test_subscriptions_need_a_session(pushd, fake):
    sub = fake.subscribe()
    r = pushd.http.post("/api/v1/me/push-subscriptions", json={"endpoint": sub["endpoint"], "keys": sub["keys"]})
    assert r.status_code == 401
    r = pushd.http.request("DELETE", "/api/v1/me/push-subscriptions", json={"endpoint": sub["endpoint"]})
    assert r.status_code == 401


def test_loopback_endpoints_only_in_test_mode(uchet_factory, fake):
    """Without --allow-clock-control (tests only) an endpoint must be https:
    the server never posts to its own machine or network for a stranger."""
    u = uchet_factory()
    _, code = u.add_person()
    port = free_port()
    proc = subprocess.Popen([UCHETD, "--database", u.db_url, "--listen", f"127.0.0.1:{port}",
                             "--clock", START_CLOCK, "--threads", "1", *TEST_ARGON2],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        base = f"http://127.0.0.1:{port}"
        wait_for(lambda: ready(base), what="uchetd without test mode")
        r = httpx.post(base + "/api/v1/activation", json={"activation_code": code,
                                                           "password": "correct horse battery"})
        token = r.json()["token"]
        sub = fake.subscribe()
        r = httpx.post(base + "/api/v1/me/push-subscriptions", headers={"Authorization": f"Bearer {token}"},
                       json={"endpoint": sub["endpoint"], "keys": sub["keys"]})
        assert r.status_code == 400 and r.json()["code"] == "invalid_endpoint"
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=30)


def ready(base):
    try:
        return httpx.get(base + "/readyz", timeout=1).status_code == 200
    except httpx.HTTPError:
        return False


def test_the_sweep_reminds_one_working_day_before_the_deadline(uchet, fake):
    number, token, sub = tajik_subscriber(uchet, fake)
    uchet.register(token)                        # Friday 2025-10-31: due Thursday 11-06
    uchet.set_clock("2025-11-05T09:00:00+03:00")   # Wednesday: one working day left
    got = wait_for(lambda: fake.received(sub["id"]), timeout=15, what="the reminder")
    payload = json.loads(got[0]["payload"])
    assert payload["title"] == TG_ONE_DAY_LEFT_TITLE
    assert "панҷшанбе, 6 ноябр 2025" in payload["body"]
