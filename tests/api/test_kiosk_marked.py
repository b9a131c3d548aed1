"""The kiosk page's way out for a face that keeps failing: after its third
failed try it sends the best capture again with accept_low_quality, and
uchetd keeps it marked for the registrar (docs/KIOSK.md). Only a face, only
`true`; a good face is never marked. A real uchet-devsim, both backends.
"""
import os

import pytest

from test_kiosk import DEVSIM, dev, dev_reset, kiosk  # noqa: F401  (fixtures used by name)

pytestmark = pytest.mark.skipif(not os.path.exists(DEVSIM), reason="uchet-devsim not built")


def test_face_kept_below_quality_is_marked(kiosk, dev):
    key = kiosk.add()
    sid = kiosk.start(key)
    prev = kiosk.prev(key, sid)
    dev.admin("profile", {"seed": 7, "face": "too_small"})
    ans = dev.capture("face", sid, prev)
    r = kiosk.put(key, sid, "captures/face", {"sbi": ans})
    assert r.status_code == 422 and r.json()["code"] == "capture_quality_low", r.text
    assert kiosk.prev(key, sid) == prev
    # accept_low_quality must be true, and is for faces only
    r = kiosk.put(key, sid, "captures/face", {"sbi": ans, "accept_low_quality": False})
    assert r.json()["code"] == "invalid_body", r.text
    r = kiosk.put(key, sid, "captures/face", {"sbi": ans, "accept_low_quality": True})
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["marked"] is True and not all(x["ok"] for x in body["results"])
    look = kiosk.u.http.get(f"/api/v1/kiosk/sessions/{sid}", headers=key).json()
    assert look["steps"]["face"]["marked"] is True
    assert look["previous_hash"] == body["previous_hash"] != prev
    dev.admin("profile", {"seed": 7, "face": "good"})
    palm = dev.capture("palm-left", sid, kiosk.prev(key, sid))
    r = kiosk.put(key, sid, "captures/palm-left", {"sbi": palm, "accept_low_quality": True})
    assert r.json()["code"] == "invalid_body", r.text
    # a retake that passes replaces the marked face, unmarked even if asked
    good = dev.capture("face", sid, kiosk.prev(key, sid))
    r = kiosk.put(key, sid, "captures/face", {"sbi": good, "accept_low_quality": True})
    assert r.status_code == 200, r.text
    assert r.json()["marked"] is False and all(x["ok"] for x in r.json()["results"])
    look = kiosk.u.http.get(f"/api/v1/kiosk/sessions/{sid}", headers=key).json()
    assert look["steps"]["face"]["marked"] is False
