#!/bin/bash
# Create the cluster on first start (superuser password from POSTGRES_PASSWORD or the file named
# by POSTGRES_PASSWORD_FILE), then run Postgres in the foreground. Every other change to the
# database is the migrate job's (deploy/images/python/entrypoint.py migrate).
set -euo pipefail
PGBACKREST_CONF=/var/lib/pgbackrest/pgbackrest.conf
# The data folder's parent is the volume: the folder may be missing (a restore moved it aside)
# and the second socket lives beside it (postgresql.conf).
install -d -m 0700 "$PGDATA"
install -d -m 0775 /var/lib/postgresql/run

if [ ! -s "$PGDATA/PG_VERSION" ]; then
  if [ -n "${POSTGRES_PASSWORD_FILE:-}" ]; then
    password_file=$POSTGRES_PASSWORD_FILE
  elif [ -n "${POSTGRES_PASSWORD:-}" ]; then
    password_file=$(mktemp)
    printf '%s' "$POSTGRES_PASSWORD" >"$password_file"
  else
    echo "rfl-postgres: set POSTGRES_PASSWORD or POSTGRES_PASSWORD_FILE" >&2
    exit 2
  fi
  initdb -D "$PGDATA" -U postgres --auth-local=trust --auth-host=scram-sha-256 -E UTF8 \
    --locale=C.UTF-8 --pwfile="$password_file" >/dev/null
  [ "$password_file" = "${POSTGRES_PASSWORD_FILE:-}" ] || rm -f "$password_file"
  echo "include = '/etc/rfl/postgresql.conf'" >>"$PGDATA/postgresql.conf"
  # Local socket for the superuser inside the container; every network peer with a password.
  cat >"$PGDATA/pg_hba.conf" <<'HBA'
local   all          all                    trust
host    all          all         all        scram-sha-256
host    replication  all         all        scram-sha-256
HBA
  echo "rfl-postgres: cluster created in $PGDATA"
fi

# A clean stop (podman stop: SIGINT) first closes the current WAL segment and waits until it is
# archived, so `restore --latest` after `compose stop db` loses no committed write; then the
# fast shutdown. Without backups configured it stops at once.
psql_() { psql -XAtq -h /var/run/postgresql -U postgres -d postgres -c "$1"; }
stop() {
  local segment archived
  if [ -f "$PGBACKREST_CONF" ] \
    && segment=$(psql_ "select pg_walfile_name(pg_switch_wal())" 2>/dev/null); then
    for _ in $(seq 1 80); do
      archived=$(psql_ "select coalesce(last_archived_wal, '') from pg_stat_archiver" || true)
      if [[ "${archived:0:24}" > "$segment" || "${archived:0:24}" == "$segment" ]]; then
        break
      fi
      sleep 0.25
    done
  fi
  kill -INT "$postmaster"
}
postgres -D "$PGDATA" &
postmaster=$!
trap stop INT TERM
# The first wait returns when a signal arrives (or Postgres exits); the second waits for the
# shutdown the signal started.
status=0
wait "$postmaster" || status=$?
if kill -0 "$postmaster" 2>/dev/null; then
  status=0
  wait "$postmaster" || status=$?
fi
exit "$status"
