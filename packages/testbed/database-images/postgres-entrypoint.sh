#!/bin/sh
# Entrypoint of the testbed's PostgreSQL 15 image (busybox sh): initialises an empty data
# directory once, with the superuser's password from a Docker secret file
# (POSTGRES_PASSWORD_FILE, preferred) or POSTGRES_PASSWORD, then runs postgres as the
# `postgres` user. An existing data directory is used as it is: the password in it stays the one
# it was created with.
set -eu

POSTGRES_USER=${POSTGRES_USER:-postgres}
POSTGRES_DB=${POSTGRES_DB:-$POSTGRES_USER}
PGDATA=${PGDATA:-/var/lib/postgresql/data/pgdata}
export PGDATA

fail() {
  echo "postgres-entrypoint: $*" >&2
  exit 1
}

# Identifiers go into SQL below: only plain lower-case names are accepted.
for name in "$POSTGRES_USER" "$POSTGRES_DB"; do
  case $name in
    '' | [!a-z_]* | *[!a-z0-9_]*) fail "'$name' is not a plain lower-case name ([a-z_][a-z0-9_]*)" ;;
  esac
done

# The command is a fixed string; values reach it through the environment, never spliced in.
as_postgres() {
  su -s /bin/sh postgres -c "$1"
}

if [ "$(id -u)" != 0 ]; then
  fail 'run as root: the entrypoint prepares the volume, then runs postgres as postgres'
fi

parent=$(dirname "$PGDATA")
mkdir -p "$parent" /var/run/postgresql
chown postgres:postgres "$parent" /var/run/postgresql
chmod 700 "$parent"
chmod 2775 /var/run/postgresql

if [ ! -s "$PGDATA/PG_VERSION" ]; then
  if [ -n "${POSTGRES_PASSWORD_FILE:-}" ]; then
    [ -r "$POSTGRES_PASSWORD_FILE" ] || fail "POSTGRES_PASSWORD_FILE $POSTGRES_PASSWORD_FILE is not readable"
    password=$(cat "$POSTGRES_PASSWORD_FILE")
  else
    password=${POSTGRES_PASSWORD:-}
  fi
  [ -n "$password" ] || fail 'no password: set POSTGRES_PASSWORD_FILE (a secret) or POSTGRES_PASSWORD'

  # initdb works in a side directory renamed into place at the end: a container killed half-way
  # leaves no half-initialised PGDATA that the next start would take for a database.
  staging="$PGDATA.init"
  export staging POSTGRES_USER POSTGRES_DB
  rm -rf "$staging"
  pwfile=$(mktemp /tmp/pwfile.XXXXXX)
  export pwfile
  printf '%s\n' "$password" >"$pwfile"
  unset password
  chown postgres:postgres "$pwfile"
  echo "postgres-entrypoint: initialising $PGDATA (superuser $POSTGRES_USER, database $POSTGRES_DB)"
  as_postgres 'initdb -D "$staging" -U "$POSTGRES_USER" --pwfile="$pwfile" \
    --auth-local=trust --auth-host=scram-sha-256 --encoding=UTF8 --locale=C.UTF-8 >/dev/null' || {
    rm -f "$pwfile"
    fail 'initdb failed'
  }
  rm -f "$pwfile"

  # The Unix socket is only reachable from inside the container (probes, dumps, restores run
  # there through docker exec); every network client needs the password.
  cat >>"$staging/pg_hba.conf" <<'EOF'
host all all 0.0.0.0/0 scram-sha-256
host all all ::/0 scram-sha-256
EOF
  cat >>"$staging/postgresql.conf" <<'EOF'
listen_addresses = '*'
unix_socket_directories = '/var/run/postgresql'
# The image carries no LLVM: say so instead of failing to load llvmjit on every query plan.
jit = off
EOF
  if [ "$POSTGRES_DB" != postgres ]; then
    echo "CREATE DATABASE \"$POSTGRES_DB\" OWNER \"$POSTGRES_USER\";" |
      as_postgres 'postgres --single -j -D "$staging" postgres >/dev/null' ||
      fail "could not create database $POSTGRES_DB"
  fi
  [ -d "$PGDATA" ] && rmdir "$PGDATA"
  mv "$staging" "$PGDATA"
  echo 'postgres-entrypoint: initialised'
fi

# Stop it with SIGINT (`docker stop --signal`, a service's StopSignal): postgres's fast shutdown
# disconnects clients and checkpoints, where SIGTERM waits for every client to leave.
exec su -s /bin/sh postgres -c 'exec postgres -D "$PGDATA"'
