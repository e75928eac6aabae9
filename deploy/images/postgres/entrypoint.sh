#!/bin/bash
# Create the cluster on first start (superuser password from POSTGRES_PASSWORD or the file named
# by POSTGRES_PASSWORD_FILE), then run Postgres in the foreground. Every other change to the
# database is the migrate job's (deploy/images/python/entrypoint.py migrate).
set -euo pipefail

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
exec postgres -D "$PGDATA"
