"""A throwaway PostgreSQL 15 server for the tests, from Debian's packages.

    url, stop = start_postgres(tmpdir)
    ...  # uchetd --database url
    stop()  # stops the server, its files removed in the background; safe to call twice

The server listens on a free loopback port and on a unix socket inside its
own directory; it trusts local connections (there is nothing in it worth a
password) and runs with fsync off (a test needs no durability from the disk).

PostgreSQL refuses to run as root. When the tests run as root, the server runs
as the `postgres` user, so its directory is made under /tmp (pytest's tmpdir
lives under a 0700 root-owned directory the postgres user cannot enter) and
chowned to it; `tmpdir` then only receives a note saying where it went.

Run directly (`python3 tests/api/pg.py`) it prints the URL and serves until
interrupted -- handy for trying uchetctl/uchetd by hand.
"""
import atexit
import os
import pwd
import shutil
import signal
import socket
import subprocess
import tempfile
import time

PG_BIN = os.environ.get("UCHET_PG_BIN", "/usr/lib/postgresql/15/bin")
RUN_AS = "postgres"


def _free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _clean_env():
    # PGHOST, PGPORT, PGDATABASE... in the caller's environment must not
    # redirect the helper's own commands to some other server.
    env = {k: v for k, v in os.environ.items() if not k.startswith("PG")}
    env["LC_ALL"] = "C"
    return env


def _as_server_user(argv):
    """argv, run as the postgres user when we are root."""
    if os.geteuid() != 0:
        return argv
    return ["runuser", "-u", RUN_AS, "--"] + argv


def _run(argv, log):
    with open(log, "ab") as out:
        subprocess.run(argv, check=True, stdout=out, stderr=subprocess.STDOUT,
                       env=_clean_env(), cwd="/")


def _make_base(tmpdir):
    if os.geteuid() != 0:
        return tempfile.mkdtemp(prefix="pg-", dir=str(tmpdir))
    base = tempfile.mkdtemp(prefix="uchet-pg-")
    pw = pwd.getpwnam(RUN_AS)
    os.chown(base, pw.pw_uid, pw.pw_gid)
    try:
        with open(os.path.join(str(tmpdir), "postgres-location.txt"), "w") as f:
            f.write(base + "\n")
    except OSError:
        pass
    return base


def _initdb(base, log):
    data = os.path.join(base, "data")
    _run(_as_server_user([f"{PG_BIN}/initdb", "-D", data, "-U", "postgres", "-A", "trust",
                          "-E", "UTF8", "--locale=C", "--no-sync"]), log)
    return data


def _start(data, sock, port, log, durable=False):
    # Tests need no durability from the disk; benchmarks measure it, and
    # count statements (pg_stat_statements) to say where the time goes.
    safety = (" -c shared_preload_libraries=pg_stat_statements -c track_wal_io_timing=on" if durable
              else " -c fsync=off -c full_page_writes=off")
    opts = (f"-p {port} -k {sock} -c listen_addresses=127.0.0.1{safety}"
            " -c max_connections=200")
    _run(_as_server_user([f"{PG_BIN}/pg_ctl", "-D", data, "-l", os.path.join(sock, "server.log"),
                          "-w", "-t", "60", "-o", opts, "start"]), log)


def _stop(data, log):
    try:
        _run(_as_server_user([f"{PG_BIN}/pg_ctl", "-D", data, "-m", "fast", "-w", "stop"]), log)
    except (subprocess.CalledProcessError, OSError):
        pass


def _remove_later(path):
    """Removes a stopped server's directory in a process of its own, at idle
    I/O and CPU priority, not waited for. A suite's server holds some 200
    databases, 60,000 files, and unlinking them took 3 to 5 s of waiting on
    the disk's journal (1 s of CPU) at the end of each pytest worker."""
    try:
        subprocess.Popen(["ionice", "-c", "3", "nice", "-n", "19", "rm", "-rf", "--", path], cwd="/",
                         stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                         start_new_session=True)
    except OSError:
        shutil.rmtree(path, ignore_errors=True)


def start_postgres(tmpdir, durable=False):
    """Starts a fresh server with an empty database `uchet`.

    Returns (url, stop_fn): url is postgresql://postgres@127.0.0.1:PORT/uchet;
    stop_fn() stops the server and deletes its directory (idempotent; also
    registered with atexit so an aborted test run leaves nothing behind).
    Raises subprocess.CalledProcessError if the server cannot be set up
    (the log is in <dir>/setup.log)."""
    base = _make_base(tmpdir)
    log = os.path.join(base, "setup.log")
    data = _initdb(base, log)
    sock = os.path.join(base, "run")
    os.mkdir(sock)
    if os.geteuid() == 0:
        pw = pwd.getpwnam(RUN_AS)
        os.chown(sock, pw.pw_uid, pw.pw_gid)
    for attempt in range(3):   # another process may take the port meanwhile
        port = _free_port()
        try:
            _start(data, sock, port, log, durable)
            break
        except subprocess.CalledProcessError:
            if attempt == 2:
                raise
            time.sleep(0.2)
    stopped = []

    def stop():
        if stopped:
            return
        stopped.append(True)
        _stop(data, log)
        _remove_later(base)

    atexit.register(stop)
    try:
        _run([f"{PG_BIN}/createdb", "-h", "127.0.0.1", "-p", str(port), "-U", "postgres", "uchet"], log)
    except subprocess.CalledProcessError:
        stop()
        raise
    return f"postgresql://postgres@127.0.0.1:{port}/uchet", stop


if __name__ == "__main__":
    # For bench/: `pg.py DIR` starts a durable server (fsync on, synchronous
    # commit), prints its URL, then waits for stdin to close and stops it.
    import sys
    url, stop = start_postgres(sys.argv[1], durable=True)
    print(url, flush=True)
    sys.stdin.read()
    stop()

