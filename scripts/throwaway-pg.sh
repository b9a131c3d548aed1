# Sourced by scripts that want a throwaway PostgreSQL for their run
# (scripts/tsan-smoke.sh, bench/confirmations.sh); run from the repository root.
# tests/api/pg.py starts one and keeps it while its standard input is open.
#   pg_start DIR   starts it in DIR; sets PG_URL, and pgpid for the caller's
#                  EXIT trap to kill
#   pg_stop        closes pg.py's input (it stops the server) and waits
pg_start() {
  exec 3> >(/usr/bin/python3 tests/api/pg.py "$1" > "$1.url")
  pgpid=$!
  for _ in $(seq 300); do [[ -s $1.url ]] && break; sleep 0.1; done
  PG_URL=$(cat "$1.url")
}

pg_stop() {
  exec 3>&-
  wait "$pgpid" 2>/dev/null || true
  pgpid=
}
