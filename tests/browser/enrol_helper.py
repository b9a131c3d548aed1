#!/usr/bin/python3
"""Kiosk enrolments for the browser tests, made the way tests/api/test_kiosk.py
makes them: a real uchet-devsim captures a synthetic person and this script
plays the kiosk against uchetd's kiosk API.

    enrol_helper.py DIR      starts uchet-devsim, writes DIR/kiosk.ini (the
                             [uchetd] kiosk settings for uchetd --config) and
                             prints {"config": ...} on one line; then reads
                             commands from stdin, one JSON object a line:
    {"base": URL, "key": KIOSK_KEY, "details": {...}, "page": PAGE}
                             -> prints {"receipt": ...}; PAGE: false (the
                             zone's text), true (the scanner's page, as the
                             kiosk does) or "camera" (a camera frame)
    EOF stops the simulator.
UCHET_BUILD selects the build directory, as for the API tests.
"""
import json
import os
import subprocess
import sys

import httpx

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "api"))
import test_kiosk  # noqa: E402  Devsim, Kiosk, full_session
from conftest import UCHETCTL  # noqa: E402


class Server:
    """What test_kiosk.Kiosk needs of the API tests' Uchet: an HTTP client."""
    def __init__(self, base):
        self.http = httpx.Client(base_url=base, timeout=120)


def main():
    tmp = os.path.abspath(sys.argv[1])
    dev = test_kiosk.Devsim(tmp)
    try:
        key_file = os.path.join(tmp, "enrolment.key")
        subprocess.run([UCHETCTL, "keys", "enrolment-init", "--key-file", key_file], check=True,
                       capture_output=True)
        cfg = os.path.join(tmp, "kiosk.ini")
        with open(cfg, "w") as f:
            f.write(f"[uchetd]\nenrolment_dir = {os.path.join(tmp, 'enrolments')}\n"
                    f"enrolment_key_file = {key_file}\nsbi_trust_dir = {dev.trust}\n")
        print(json.dumps({"config": cfg}), flush=True)
        for line in sys.stdin:
            cmd = json.loads(line)
            kiosk = test_kiosk.Kiosk(Server(cmd["base"]), tmp)
            key = {"Authorization": f"Kiosk {cmd['key']}"}
            saved = dict(test_kiosk.DETAILS)
            test_kiosk.DETAILS.update(cmd.get("details", {}))
            try:
                dev.admin("reset", {})
                dev.admin("profile", {"seed": 7})
                sid, _ = test_kiosk.full_session(kiosk, dev, key, page=cmd.get("page", False))
            finally:
                test_kiosk.DETAILS.clear()
                test_kiosk.DETAILS.update(saved)
            r = kiosk.u.http.post(f"/api/v1/kiosk/sessions/{sid}/submit", headers=key)
            assert r.status_code == 201, r.text
            print(json.dumps({"receipt": r.json()["receipt"]}), flush=True)
    finally:
        dev.stop()


if __name__ == "__main__":
    main()
