"""The failover test behind tests/ha/failover.sh (see there).

Starts on loopback ports: three etcd members, three Patroni nodes running
deploy/patroni/patroni.yml, haproxy running deploy/patroni/haproxy.cfg, and
uchetd against haproxy. Drives confirmations from several clients (each
retries a failed request with the same idempotency key, as the app does),
kills the leader's PostgreSQL (SIGKILL to the postmaster), waits for the
cluster to heal, kills the new leader's, and then checks that every
confirmation answered 201 is in the database exactly once and that the audit
chain is intact. Prints the write outage after each kill. Everything runs in
one temporary directory, removed at the end (keep it with --keep).

Timing knobs differ from the deploy file only to make the test quick:
loop_wait 2 s, ttl 20 s, retry_timeout 5 s (production: 10/30/10).
"""
import argparse
import json
import os
import pwd
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
import uuid

import yaml

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BUILD = os.path.join(ROOT, os.environ.get("UCHET_BUILD", "build"))
UCHETD = os.path.join(BUILD, "src/api/uchetd")
UCHETCTL = os.path.join(BUILD, "src/cli/uchetctl")
PG_BIN = "/usr/lib/postgresql/15/bin"
SUPERUSER_PW = "ha-super-" + uuid.uuid4().hex[:8]
APP_PW = "ha-app-" + uuid.uuid4().hex[:8]
CLOCK = "2025-10-31T10:00:00+03:00"
RESIDENCE = {"settlement": "Moscow", "street": "Tverskaya", "house": "7", "lat": 55.7575, "lon": 37.6136}


def log(msg):
    print(f"[{time.strftime('%H:%M:%S')}] {msg}", flush=True)


def free_ports(n):
    socks = []
    for _ in range(n):
        s = socket.socket()
        s.bind(("127.0.0.1", 0))
        socks.append(s)
    ports = [s.getsockname()[1] for s in socks]
    for s in socks:
        s.close()
    return ports


class Lab:
    """Every process and file of one run; stop() undoes all of it."""

    def __init__(self, keep):
        self.keep = keep
        self.dir = tempfile.mkdtemp(prefix="uchet-ha-")
        self.procs = []   # (name, Popen), each the leader of its own session
        p = free_ports(15)
        self.etcd_client, self.etcd_peer = p[0:3], p[3:6]
        self.rest, self.pg = p[6:9], p[9:12]
        self.haproxy, self.haproxy_stats, self.uchetd_port = p[12], p[13], p[14]
        self.as_root = os.geteuid() == 0
        if self.as_root:
            pw = pwd.getpwnam("postgres")
            self.pg_uid, self.pg_gid = pw.pw_uid, pw.pw_gid
            os.chown(self.dir, self.pg_uid, self.pg_gid)

    def path(self, *parts):
        return os.path.join(self.dir, *parts)

    def spawn(self, name, argv, as_postgres=False, env=None):
        out = open(self.path(name + ".log"), "ab")
        kw = {}
        if as_postgres and self.as_root:
            kw = {"user": self.pg_uid, "group": self.pg_gid, "extra_groups": []}
        full_env = {k: v for k, v in os.environ.items() if not k.startswith(("PG", "PATRONI"))}
        full_env.update(env or {})
        p = subprocess.Popen(argv, stdout=out, stderr=subprocess.STDOUT, cwd=self.dir, env=full_env,
                             start_new_session=True, **kw)
        self.procs.append((name, p))
        return p

    def stop(self):
        for name, p in reversed(self.procs):   # uchetd, haproxy, Patroni (stops PostgreSQL), etcd
            if p.poll() is None:
                p.send_signal(signal.SIGTERM)
                try:
                    p.wait(timeout=30)
                except subprocess.TimeoutExpired:
                    pass
            try:
                os.killpg(p.pid, signal.SIGKILL)   # anything left in its session
            except ProcessLookupError:
                pass
        for i in range(3):   # a postmaster that outlived its Patroni
            pid = postmaster_pid(self.path(f"node{i + 1}", "data"))
            if pid:
                try:
                    os.kill(pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
        if self.keep:
            log(f"kept {self.dir}")
        else:
            shutil.rmtree(self.dir, ignore_errors=True)


def postmaster_pid(data_dir):
    try:
        with open(os.path.join(data_dir, "postmaster.pid")) as f:
            return int(f.readline().strip())
    except (OSError, ValueError):
        return None


def http_json(url, timeout=2):
    try:
        with urllib.request.urlopen(url, timeout=timeout) as r:
            return json.loads(r.read())
    except Exception:
        return None


def wait_for(what, pred, timeout):
    deadline = time.time() + timeout
    while time.time() < deadline:
        v = pred()
        if v:
            return v
        time.sleep(0.3)
    raise RuntimeError(f"timed out waiting for {what}")


# --- etcd, Patroni, haproxy --------------------------------------------------

def start_etcd(lab):
    cluster = ",".join(f"e{i + 1}=http://127.0.0.1:{lab.etcd_peer[i]}" for i in range(3))
    for i in range(3):
        lab.spawn(f"etcd{i + 1}", [
            "etcd", "--name", f"e{i + 1}", "--data-dir", lab.path(f"etcd{i + 1}"),
            "--listen-client-urls", f"http://127.0.0.1:{lab.etcd_client[i]}",
            "--advertise-client-urls", f"http://127.0.0.1:{lab.etcd_client[i]}",
            "--listen-peer-urls", f"http://127.0.0.1:{lab.etcd_peer[i]}",
            "--initial-advertise-peer-urls", f"http://127.0.0.1:{lab.etcd_peer[i]}",
            "--initial-cluster", cluster, "--initial-cluster-state", "new",
            "--initial-cluster-token", "uchet-ha-" + os.path.basename(lab.dir)])
    wait_for("etcd", lambda: all((http_json(f"http://127.0.0.1:{p}/health") or {}).get("health") == "true"
                                 for p in lab.etcd_client), 60)
    log("etcd: 3 members healthy")


def node_config(lab, i):
    with open(os.path.join(ROOT, "deploy/patroni/patroni.yml")) as f:
        c = yaml.safe_load(f)
    n = i + 1
    c["name"] = f"node{n}"
    c["restapi"] = {"listen": f"127.0.0.1:{lab.rest[i]}", "connect_address": f"127.0.0.1:{lab.rest[i]}"}
    c["etcd3"] = {"hosts": ",".join(f"127.0.0.1:{p}" for p in lab.etcd_client)}
    dcs = c["bootstrap"]["dcs"]
    dcs.update({"ttl": 20, "loop_wait": 2, "retry_timeout": 5})
    dcs["postgresql"]["parameters"]["unix_socket_directories"] = lab.path("sock")
    pg = c["postgresql"]
    pg.update({"listen": f"127.0.0.1:{lab.pg[i]}", "connect_address": f"127.0.0.1:{lab.pg[i]}",
               "data_dir": lab.path(f"node{n}", "data"), "pgpass": lab.path(f"node{n}", "pgpass")})
    auth = pg["authentication"]
    auth["superuser"]["password"] = SUPERUSER_PW
    auth["replication"]["password"] = "ha-repl"
    auth["rewind"]["password"] = "ha-rewind"
    path = lab.path(f"node{n}.yml")
    with open(path, "w") as f:
        yaml.safe_dump(c, f)
    return path


def start_patroni(lab):
    os.mkdir(lab.path("sock"))
    for i in range(3):
        os.mkdir(lab.path(f"node{i + 1}"), 0o700)
        if lab.as_root:
            for d in (f"node{i + 1}", "sock"):
                os.chown(lab.path(d), lab.pg_uid, lab.pg_gid)
        cfg = node_config(lab, i)
        lab.spawn(f"patroni{i + 1}", ["patroni", cfg], as_postgres=True,
                  env={"HOME": lab.dir, "LC_ALL": "C.UTF-8"})
    wait_for("a healthy three-node cluster", lambda: healthy(lab), 240)
    log(f"patroni: leader {leader(lab)}, cluster healthy")


def cluster(lab):
    for p in lab.rest:
        c = http_json(f"http://127.0.0.1:{p}/cluster")
        if c:
            return c
    return None


def leader(lab):
    c = cluster(lab) or {}
    for m in c.get("members", []):
        if m.get("role") == "leader" and m.get("state") == "running":
            return m["name"]
    return None


def healthy(lab, exclude_leader=None):
    """A running leader (not exclude_leader), a streaming sync standby, three members up."""
    c = cluster(lab) or {}
    members = c.get("members", [])
    roles = {m.get("role") for m in members}
    up = [m for m in members if m.get("state") in ("running", "streaming")]
    lead = leader(lab)
    return (len(up) == 3 and "sync_standby" in roles and lead and lead != exclude_leader
            and primary_answers(lab))


def primary_answers(lab):
    r = psql(lab, "postgres", "SELECT 1", check=False)
    return r.returncode == 0 and r.stdout.strip() == "1"


def start_haproxy(lab):
    with open(os.path.join(ROOT, "deploy/patroni/haproxy.cfg")) as f:
        cfg = f.read()
    for i in range(3):
        cfg = cfg.replace(f"10.0.0.1{i + 1}:5432 check port 8008", f"127.0.0.1:{lab.pg[i]} check port {lab.rest[i]}")
    cfg = cfg.replace("bind *:5000", f"bind 127.0.0.1:{lab.haproxy}")
    cfg = cfg.replace("bind *:5001", f"bind 127.0.0.1:{free_ports(1)[0]}")
    cfg = cfg.replace("bind 127.0.0.1:7000", f"bind 127.0.0.1:{lab.haproxy_stats}")
    assert "10.0.0." not in cfg, "deploy/patroni/haproxy.cfg changed shape; update the rewrite"
    with open(lab.path("haproxy.cfg"), "w") as f:
        f.write(cfg)
    lab.spawn("haproxy", ["haproxy", "-db", "-f", lab.path("haproxy.cfg")])


def psql(lab, db, sql, check=True, user="postgres", pw=None):
    url = f"postgresql://{user}:{pw or SUPERUSER_PW}@127.0.0.1:{lab.haproxy}/{db}?connect_timeout=5"
    r = subprocess.run([f"{PG_BIN}/psql", "-X", "-At", "-F", "\t", url, "-c", sql],
                       capture_output=True, text=True, timeout=60)
    if check and r.returncode != 0:
        raise RuntimeError(f"psql {sql!r}: {r.stderr}")
    return r


# --- uchet --------------------------------------------------------------------

def uchet_url(lab):
    return f"postgresql://uchet:{APP_PW}@127.0.0.1:{lab.haproxy}/uchet"


def ctl(lab, *args):
    r = subprocess.run([UCHETCTL, "--database", uchet_url(lab), *args], capture_output=True, text=True,
                       timeout=120)
    if r.returncode != 0:
        raise RuntimeError(f"uchetctl {args}: {r.stderr}")
    return r.stdout


def api(lab, method, path, body=None, token=None, timeout=10):
    req = urllib.request.Request(f"http://127.0.0.1:{lab.uchetd_port}{path}", method=method,
                                 data=json.dumps(body).encode() if body is not None else None)
    req.add_header("Content-Type", "application/json")
    if token:
        req.add_header("Authorization", "Bearer " + token)
    try:
        with urllib.request.urlopen(req, timeout=timeout) as r:
            return r.status, r.read().decode()
    except urllib.error.HTTPError as e:
        return e.code, e.read().decode()
    except Exception as e:   # refused, reset, timed out
        return type(e).__name__, ""


def start_uchet(lab, users):
    psql(lab, "postgres", f"CREATE ROLE uchet LOGIN PASSWORD '{APP_PW}'")
    psql(lab, "postgres", "CREATE DATABASE uchet OWNER uchet")
    ctl(lab, "init")
    codes = []
    for k in range(users):
        out = ctl(lab, "person", "add", "--document-kind", "card", "--document-number", f"77000{k:05d}",
                  "--surname", "RAHIMOV", "--given-names", "FARRUKH", "--birth-date", "1995-04-12",
                  "--citizenship", "TJK", "--purpose", "work", "--entry-regime", "visa_free", "--language", "ru")
        codes.append(out.strip().splitlines()[-1])
    subprocess.run([UCHETCTL, "keys", "totp-init", "--key-file", lab.path("totp.key")], check=True,
                   capture_output=True)
    lab.spawn("uchetd", [UCHETD, "--database", uchet_url(lab), "--listen", f"127.0.0.1:{lab.uchetd_port}",
                         "--totp-key-file", lab.path("totp.key"),
                         "--clock", CLOCK, "--threads", "2", "--argon2-memlimit-kib", "8192",
                         "--argon2-opslimit", "1", "--log-format", "text"])
    wait_for("uchetd", lambda: api(lab, "GET", "/readyz")[0] == 200, 30)
    tokens = []
    for code in codes:
        s, body = api(lab, "POST", "/api/v1/activation", {"activation_code": code, "password": "correct horse battery"})
        assert s == 201, body
        t = json.loads(body)["token"]
        s, body = api(lab, "POST", "/api/v1/me/registration", {"region": "77", "residence": RESIDENCE}, t)
        assert s == 201, body
        tokens.append(t)
    log(f"uchetd: up on :{lab.uchetd_port}, {users} users registered")
    return tokens


# --- the drive ----------------------------------------------------------------

class Driver:
    """Clients confirming in a loop; a failed request is retried with the same
    key until it gets 201 (or the drive ends)."""

    def __init__(self, lab, tokens, clients):
        self.lab, self.tokens = lab, tokens
        self.stop = threading.Event()
        self.mu = threading.Lock()
        self.events = []    # (t_start, t_end, status)
        self.acked = []     # keys answered 201
        self.threads = [threading.Thread(target=self.client, args=(i,), daemon=True) for i in range(clients)]

    def client(self, i):
        token = self.tokens[i % len(self.tokens)]
        while not self.stop.is_set():
            key = uuid.uuid4().hex
            while not self.stop.is_set():
                t0 = time.monotonic()
                s, _ = api(self.lab, "POST", "/api/v1/me/confirmations",
                           {"lat": 55.7575, "lon": 37.6136, "accuracy_m": 20.0, "client_time": CLOCK,
                            "idempotency_key": key}, token, timeout=15)
                with self.mu:
                    self.events.append((t0, time.monotonic(), s))
                    if s == 201:
                        self.acked.append(key)
                if s == 201:
                    break
                time.sleep(0.1)

    def start(self):
        for t in self.threads:
            t.start()

    def finish(self):
        self.stop.set()
        for t in self.threads:
            t.join()

    def first_ok_after(self, t):
        with self.mu:
            ends = [e for s0, e, s in self.events if s == 201 and s0 >= t]
        return min(ends) if ends else None

    def failures(self):
        out = {}
        for _, _, s in self.events:
            if s != 201:
                out[str(s)] = out.get(str(s), 0) + 1
        return out


def uchetd_alive(lab):
    """True while uchetd runs; raises as soon as it has exited, with how."""
    p = dict(lab.procs).get("uchetd")
    if p is None or p.poll() is None:
        return True
    how = f"signal {-p.returncode}" if p.returncode < 0 else f"status {p.returncode}"
    raise RuntimeError(f"uchetd exited ({how}); see uchetd.log below")


def kill_leader(lab, drv, n):
    name = wait_for("a leader", lambda: leader(lab), 60)
    data = lab.path(name, "data")
    pid = postmaster_pid(data)
    assert pid, f"no postmaster.pid for {name}"
    t = time.monotonic()
    os.kill(pid, signal.SIGKILL)
    log(f"kill {n}: SIGKILL to {name}'s postmaster (pid {pid})")
    ok = wait_for(f"writes after kill {n}", lambda: uchetd_alive(lab) and drv.first_ok_after(t), 180)
    new = wait_for("a new leader", lambda: (lambda l: l if l and l != name else None)(leader(lab)), 60)
    outage = ok - t
    log(f"kill {n}: new leader {new}; write outage {outage:.1f} s")
    return name, outage


def verify(lab, drv):
    rows = psql(lab, "uchet", "SELECT idempotency_key, count(*) FROM confirmations GROUP BY 1").stdout
    counts = dict(line.split("\t") for line in rows.splitlines() if line)
    missing = [k for k in drv.acked if k not in counts]
    dup = [k for k, c in counts.items() if c != "1"]
    audit = subprocess.run([UCHETCTL, "--database", uchet_url(lab), "audit", "verify"],
                           capture_output=True, text=True, timeout=120)
    log(f"acknowledged (201): {len(drv.acked)}; rows: {len(counts)}; "
        f"acknowledged but missing: {len(missing)}; duplicated: {len(dup)}")
    log(f"failed attempts by status (retried with the same key): {drv.failures()}")
    log(f"audit: {audit.stdout.strip() or audit.stderr.strip()}")
    # A failover is the database being unavailable, which a client is told as
    # 503 with Retry-After; a 500 says uchet failed (before the fix in
    # store/db_pg.c, a write that reached the demoted primary, or a batch a
    # lost connection aborted, answered 500: 47 of them in one run).
    not_503 = {s: n for s, n in drv.failures().items() if s.startswith("5") and s != "503"}
    if not_503:
        log(f"FAIL: server errors other than 503 during the failover: {not_503}")
    return (not missing and not dup and len(set(drv.acked)) == len(drv.acked) and audit.returncode == 0
            and not not_503)


def run(keep, clients, users):
    for exe in (UCHETD, UCHETCTL):
        if not os.access(exe, os.X_OK):
            sys.exit(f"{exe} not built (ninja -C {BUILD})")
    lab = Lab(keep)
    log(f"lab in {lab.dir}")
    ok = False
    drv = None
    try:
        start_etcd(lab)
        start_haproxy(lab)   # first: its checks find the leader as soon as there is one
        start_patroni(lab)
        wait_for("haproxy routing to the leader", lambda: primary_answers(lab), 30)
        tokens = start_uchet(lab, users)
        drv = Driver(lab, tokens, clients)
        drv.start()
        time.sleep(5)
        outages = []
        first, o = kill_leader(lab, drv, 1)
        outages.append(o)
        wait_for("the cluster to heal", lambda: healthy(lab), 240)
        log(f"healed: leader {leader(lab)}, {first} back as a standby")
        time.sleep(3)
        _, o = kill_leader(lab, drv, 2)
        outages.append(o)
        time.sleep(5)
        drv.finish()
        ok = verify(lab, drv)
        print(f"WRITE OUTAGE: kill 1 {outages[0]:.1f} s, kill 2 {outages[1]:.1f} s", flush=True)
    except Exception as e:
        log(f"FAILED: {e}")
    finally:
        if drv:
            drv.finish()
        if not ok:
            print(json.dumps(cluster(lab), indent=1))
            for name in ("uchetd", "haproxy", "patroni1", "patroni2", "patroni3"):
                p = lab.path(name + ".log")
                if os.path.exists(p):
                    tail = open(p, errors="replace").read().splitlines()[-40:]
                    print(f"--- {name}.log (tail) ---\n" + "\n".join(tail))
        lab.stop()
    print("PASS" if ok else "FAIL", flush=True)
    return 0 if ok else 1


if __name__ == "__main__":
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--keep", action="store_true", help="keep the temporary directory")
    ap.add_argument("--clients", type=int, default=8)
    ap.add_argument("--users", type=int, default=4)
    a = ap.parse_args()
    sys.exit(run(a.keep, a.clients, a.users))
