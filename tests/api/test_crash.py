"""Nothing acknowledged is lost: kill -9 in the middle of a stream of
confirmations, restart, and every confirmation that got a 201 is there."""
import signal
import threading
import time
import uuid

import httpx
import pytest

from conftest import PLAIN_HTTP


@pytest.mark.serial   # counts how many confirmations 2 s of streaming got acknowledged
def test_kill_9_loses_no_acknowledged_confirmation(uchet_factory):
    u = uchet_factory().start()
    tokens = []
    for _ in range(4):
        _, t = u.new_user()
        u.register(t)
        tokens.append(t)
    acked, stop = [], threading.Event()
    lock = threading.Lock()

    def stream(token):
        client = httpx.Client(base_url=u.base, timeout=5, verify=PLAIN_HTTP)
        while not stop.is_set():
            key = uuid.uuid4().hex
            try:
                r = client.post("/api/v1/me/confirmations", headers=u.auth(token),
                                json={"lat": 55.7575, "lon": 37.6136, "accuracy_m": 10,
                                      "client_time": "2025-10-31T10:00:00+03:00", "idempotency_key": key})
            except httpx.HTTPError:
                return
            if r.status_code == 201:
                with lock:
                    acked.append(key)

    threads = [threading.Thread(target=stream, args=(t,)) for t in tokens for _ in range(4)]
    for t in threads:
        t.start()
    # Kill once the stream is well under way: after 60 acknowledged writes
    # (a loaded machine takes longer; a fixed sleep made this test depend on
    # how fast the machine was), with writes still in flight.
    deadline = time.time() + 120
    while time.time() < deadline:
        with lock:
            if len(acked) > 60:
                break
        time.sleep(0.02)
    u.proc.send_signal(signal.SIGKILL)
    u.proc.wait()
    stop.set()
    for t in threads:
        t.join()
    u.log.close()
    u.proc = None
    assert len(acked) > 50, "the stream should have been running"
    u2 = uchet_factory(db_url=u.db_url, init=False).start()
    stored = {row[0] for row in u2.db.query("SELECT idempotency_key FROM confirmations")}
    missing = [k for k in acked if k not in stored]
    assert not missing, f"{len(missing)} acknowledged confirmations lost"
    assert u2.ctl("audit", "verify").stdout.startswith("intact")
