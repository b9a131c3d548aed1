"""A capture device that signs the way MOSIP-certified SBI devices sign:
RS256 with its certificate chain in the JWS header's x5c (src/bio/devcert.c).

The device provider's CA and the device's certificate are made here with the
openssl command-line tool, the way a provider issues them; uchetd's trust
store holds only the provider's CA certificate (no device key). uchet-devsim
signs with the device's RSA key (--cert-key/--cert-chain). A capture then
goes through uchetd like any other; a broken signature and a device key that
has no certificate are refused with their codes. Both backends.
"""
import base64
import json
import os
import shutil
import subprocess

import httpx
import pytest

from conftest import sqlite_run_only
from test_kiosk import DEVSIM, DETAILS, SPECIMEN, Devsim, capture_and_post, free_port, start_kiosk

pytestmark = pytest.mark.skipif(not os.path.exists(DEVSIM), reason="uchet-devsim not built")


def openssl(*args):
    r = subprocess.run(["openssl", *args], capture_output=True, text=True)
    assert r.returncode == 0, r.stderr


def make_pki(d):
    """A provider CA and one device certificate it issued; the file names."""
    ca_key, ca_crt = os.path.join(d, "ca.key"), os.path.join(d, "provider-ca.crt")
    dev_key, dev_csr, dev_crt = (os.path.join(d, n) for n in ("device.key", "device.csr", "device.crt"))
    openssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", ca_key, "-out", ca_crt, "-days", "3650",
            "-subj", "/O=Test Device Provider/CN=Test Device Provider CA",
            "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign,cRLSign")
    openssl("req", "-newkey", "rsa:2048", "-nodes", "-keyout", dev_key, "-out", dev_csr,
            "-subj", "/O=Test Device Provider/CN=uchet-devsim")
    ext = os.path.join(d, "device.ext")
    with open(ext, "w") as f:
        f.write("basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature\n")
    openssl("x509", "-req", "-in", dev_csr, "-CA", ca_crt, "-CAkey", ca_key, "-CAcreateserial", "-out", dev_crt,
            "-days", "30", "-extfile", ext)
    return ca_crt, dev_key, dev_crt


class CertifiedDevsim(Devsim):
    """uchet-devsim signing RS256 with a device certificate; the trust store
    it shares with uchetd holds the provider's CA only."""

    def __init__(self, tmp):
        ca_crt, dev_key, dev_crt = make_pki(tmp)
        self.trust = os.path.join(tmp, "trust")
        os.mkdir(self.trust)
        shutil.copy(ca_crt, self.trust)
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.proc = subprocess.Popen([DEVSIM, "--port", str(self.port), "--cert-key", dev_key,
                                      "--cert-chain", dev_crt, "--seed", "7"],
                                     stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        line = self.proc.stdout.readline()
        assert "listening" in line, line + self.proc.stderr.read()


@pytest.fixture(scope="module")
def cdev(tmp_path_factory):
    d = CertifiedDevsim(str(tmp_path_factory.mktemp("cdev")))
    yield d
    d.stop()


@pytest.fixture
def kiosk(uchet_factory, cdev, tmp_path):
    return start_kiosk(uchet_factory, cdev.trust, tmp_path)


@sqlite_run_only("test_kiosk.py::test_whole_enrolment")
def test_certified_device_signs_rs256_and_is_trusted_through_its_ca(kiosk, cdev):
    cdev.admin("reset", {})
    cdev.admin("profile", {"seed": 7})
    assert httpx.get(cdev.url + "/admin/key", timeout=10).json()["alg"] == "RS256"
    key = kiosk.add()
    sid = kiosk.start(key)
    assert kiosk.put(key, sid, "document", {"text": SPECIMEN}).status_code == 200
    assert kiosk.put(key, sid, "details", DETAILS).status_code == 200

    # what the device sent is RS256 with x5c, and uchetd takes it
    r, ans = capture_and_post(kiosk, cdev, key, sid, "palm-right")
    header = ans["biometrics"][0]["data"].split(".")[0]
    hdr = json.loads(base64.urlsafe_b64decode(header + "=" * (-len(header) % 4)))
    assert hdr["alg"] == "RS256" and len(hdr["x5c"]) == 1
    assert r.status_code == 200, r.text
    assert r.json()["results"][0]["ok"]
    chain_after_palm = kiosk.prev(key, sid)
    assert chain_after_palm

    # a broken RS256 signature, and a key with no certificate: refused, chain kept
    for mode, code in (("corrupt", "sbi_bad_signature"), ("untrusted", "sbi_unknown_key")):
        cdev.admin("signing", {"mode": mode})
        r, _ = capture_and_post(kiosk, cdev, key, sid, "face")
        assert r.status_code == 422 and r.json()["code"] == code, (mode, r.text)
        assert kiosk.prev(key, sid) == chain_after_palm
    cdev.admin("signing", {"mode": "valid"})
    r, _ = capture_and_post(kiosk, cdev, key, sid, "face")
    assert r.status_code == 200, r.text
