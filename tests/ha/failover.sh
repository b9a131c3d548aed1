#!/bin/sh
# Proves that a Patroni failover loses no acknowledged confirmation.
#
# Starts, on loopback ports in one temporary directory: three etcd members,
# three Patroni nodes (deploy/patroni/patroni.yml: synchronous_mode_strict),
# haproxy (deploy/patroni/haproxy.cfg) and uchetd against it. Drives
# confirmations, kills the leader's PostgreSQL, lets the cluster heal, kills
# the new leader's, then checks that every confirmation answered 201 is in the
# database exactly once and the audit chain is intact. Prints the write
# outage of each failover. Removes everything it started. Exit 0 = PASS.
#
# Needs Debian's postgresql-15, patroni, etcd-server, haproxy; runs as root
# (PostgreSQL and Patroni then run as the postgres user) or as any user.
# Usage: tests/ha/failover.sh [--keep] [--clients N] [--users N]
# Env: UCHET_BUILD (default build) — where uchetd/uchetctl are built.
set -eu
cd "$(dirname "$0")/../.."
missing=""
for c in etcd patroni haproxy /usr/lib/postgresql/15/bin/postgres; do
    command -v "$c" >/dev/null 2>&1 || missing="$missing $c"
done
/usr/bin/python3 -c 'import yaml' 2>/dev/null || missing="$missing python3-yaml"
if [ -n "$missing" ]; then
    echo "failover.sh: missing:$missing (apt-get install postgresql-15 patroni etcd-server haproxy)" >&2
    exit 2
fi
exec /usr/bin/python3 tests/ha/failover.py "$@"
