"""uchet-devsim as the kiosk tests start it: its own key in a trust store
that uchetd shares, seed 7, on a free loopback port. test_kiosk and the
modules built on it (test_kiosk_jp2 starts it with `--image-format jp2`)
take Devsim from here; test_kiosk re-exports it for the others.
"""
import json
import os
import shutil
import subprocess

import httpx

from conftest import BUILD, free_port

DEVSIM = os.path.join(BUILD, "src/devsim/uchet-devsim")
# device, deviceSubId, count, bio type of each capture step
STEPS = {"face": ("3", 0, 1), "slap-left": ("1", 1, 4), "slap-right": ("1", 2, 4),
         "thumbs": ("1", 3, 2), "palm-left": ("2", 1, 1), "palm-right": ("2", 2, 1)}
TYPES = {"1": "Finger", "2": "Palm", "3": "Face", "4": "Document"}
DOCUMENT = ("4", 0, 1)   # the document scanner: one page


class Devsim:
    """uchet-devsim with a fresh key; `args` are added to its command line."""

    def __init__(self, tmp, *args):
        keys = os.path.join(tmp, "devkeys")
        os.mkdir(keys)
        subprocess.run([DEVSIM, "--keygen", keys], capture_output=True, check=True)
        self.trust = os.path.join(tmp, "trust")
        os.mkdir(self.trust)
        shutil.copy(os.path.join(keys, "devsim.pub"), self.trust)
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.proc = subprocess.Popen([DEVSIM, "--port", str(self.port), "--key",
                                      os.path.join(keys, "devsim.key"), "--seed", "7", *args],
                                     stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        line = self.proc.stdout.readline()
        assert "listening" in line, line

    def stop(self):
        self.proc.terminate()
        self.proc.wait(timeout=10)

    def admin(self, what, body):
        r = httpx.post(self.url + "/admin/" + what, json=body, timeout=10)
        assert r.status_code == 200, r.text

    def discover(self):
        r = httpx.request("MOSIPDISC", self.url + "/device", content=json.dumps({"type": "Biometric Device"}))
        return {d["deviceId"] for d in r.json()}

    def capture(self, step, txn, prev, exceptions=()):
        device, sub, count = DOCUMENT if step == "document" else STEPS[step]
        req = {"env": "Developer", "purpose": "Registration", "specVersion": "0.9.5", "timeout": 30000,
               "captureTime": "2026-01-01T10:00:00Z", "transactionId": txn,
               "bio": [{"type": TYPES[device], "count": count - len(exceptions), "requestedScore": "40",
                        "deviceId": device, "deviceSubId": str(sub), "bioSubType": [],
                        "exception": list(exceptions), "previousHash": prev}]}
        if device == "1":
            req["customOpts"] = [{"name": "uchet.slap", "value": "true"}]
        r = httpx.request("RCAPTURE", self.url + "/capture", content=json.dumps(req), timeout=120)
        assert r.status_code == 200, r.text
        return r.json()
