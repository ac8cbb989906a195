#!/usr/bin/env bash
# A throwaway PostgreSQL 15 cluster for the tests and benchmarks of the PostgreSQL backend.
#
#   scripts/pg-cluster.sh start DIR [--durable]
#       Creates the cluster in DIR (empty or missing; e.g. from mktemp -d), starts it on a
#       free 127.0.0.1 port with its socket inside DIR, creates the roles venuedesk_owner
#       (schema owner, CREATEDB) and venuedesk_app (no superuser, no BYPASSRLS) and the
#       database venuedesk owned by venuedesk_owner, and prints ONE line to stdout, the
#       owner's URL:  postgres://venuedesk_owner:venuedesk_owner@127.0.0.1:PORT/venuedesk
#       The application role's URL is the same with venuedesk_app:venuedesk_app.
#       Without --durable, fsync, synchronous commits and full-page writes are off.
#   scripts/pg-cluster.sh stop DIR
#       Stops the cluster (immediate shutdown) and deletes DIR. Safe when already stopped,
#       when start failed half-way, or when DIR is already gone.
#
# Everything but the URL goes to stderr; the server logs to DIR/postgres.log. Assign the URL
# before exporting it, so that a failed start is not hidden by `export`:
#   dir="$(mktemp -d)"; trap 'scripts/pg-cluster.sh stop "$dir"' EXIT
#   url="$(scripts/pg-cluster.sh start "$dir")"; export VENUEDESK_TEST_DATABASE="$url"
#
# PostgreSQL refuses to run as root: as root, initdb, pg_ctl and postgres run as the
# `postgres` OS user (runuser); as any other user they run as that user.
set -euo pipefail

PG_BIN="${VENUEDESK_PG_BIN:-/usr/lib/postgresql/15/bin}"
MARKER=".venuedesk-pg-cluster"

# stdout is kept for the URL alone (fd 3); everything else, ours or a tool's, goes to stderr.
exec 3>&1 1>&2

die() { echo "pg-cluster: $*" >&2; exit 1; }

usage() {
  echo "usage: scripts/pg-cluster.sh start DIR [--durable] | stop DIR" >&2
  exit 2
}

# Runs a PostgreSQL server program as the user that owns the cluster, from a directory
# that user can read (so no "could not identify current directory" warnings), without fd 3:
# a server that inherited it would keep the caller's $(...) waiting for the end of stdout.
as_pg() {
  if [ "$(id -u)" -eq 0 ]; then
    (cd / && runuser -u postgres -- "$@" 3>&-)
  else
    (cd / && "$@" 3>&-)
  fi
}

abs_dir() {
  [ -n "$1" ] || usage
  local d
  d="$(realpath -m -- "$1")"
  [ "$d" != "/" ] || die "refusing to use / as the cluster directory"
  printf '%s\n' "$d"
}

free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

cmd_start() {
  local dir durable=0
  dir="$(abs_dir "${1:-}")"
  shift || true
  while [ $# -gt 0 ]; do
    case "$1" in
      --durable) durable=1 ;;
      *) usage ;;
    esac
    shift
  done

  [ -x "$PG_BIN/initdb" ] || die "PostgreSQL 15 is not installed ($PG_BIN/initdb is missing);
  install the Debian package postgresql-15 (apt-get install postgresql-15, or run scripts/system-deps.sh)"
  if [ "$(id -u)" -eq 0 ] && ! id postgres >/dev/null 2>&1; then
    die "running as root needs the OS user 'postgres' (created by the postgresql-15 package)"
  fi
  command -v python3 >/dev/null 2>&1 || die "python3 is needed to pick a free port"

  mkdir -p -- "$dir"
  [ -z "$(ls -A -- "$dir")" ] || die "$dir is not empty; give start a new or empty directory"
  # The marker lets `stop` delete only directories this script created a cluster in.
  : >"$dir/$MARKER"
  chmod 0700 "$dir"
  if [ "$(id -u)" -eq 0 ]; then
    chown postgres: "$dir"
    runuser -u postgres -- test -w "$dir" ||
      die "the postgres user cannot write to $dir (is a parent directory closed to it?); use a directory under /tmp"
  fi

  local data="$dir/data" log="$dir/postgres.log"
  local -a initdb_opts=(-D "$data" -U postgres -E UTF8 --locale=C.UTF-8 --auth-local=trust --auth-host=scram-sha-256)
  [ "$durable" -eq 1 ] || initdb_opts+=(--no-sync)
  echo "pg-cluster: initdb $data"
  as_pg "$PG_BIN/initdb" "${initdb_opts[@]}" >"$dir/initdb.log" 2>&1 || {
    cat "$dir/initdb.log" >&2
    die "initdb failed"
  }

  # Only the socket inside DIR (trusted: the bootstrap superuser sets the cluster up through
  # it) and 127.0.0.1 with a password. Nothing else may connect.
  cat >"$data/pg_hba.conf" <<'HBA'
# TYPE  DATABASE  USER  ADDRESS        METHOD
local   all       all                  trust
host    all       all   127.0.0.1/32   scram-sha-256
HBA
  {
    echo
    echo "# scripts/pg-cluster.sh"
    echo "listen_addresses = '127.0.0.1'"
    echo "unix_socket_directories = '$dir'"
    echo "unix_socket_permissions = 0700"
    echo "max_connections = 300"
    echo "password_encryption = 'scram-sha-256'"
    if [ "$durable" -eq 0 ]; then
      # Tests only: a crash may lose or corrupt this cluster, and it is thrown away anyway.
      # Without these every commit waits for a disk flush, which makes the test suite
      # several times slower on CI disks. Benchmarks pass --durable to measure the
      # production settings.
      echo "fsync = off"
      echo "synchronous_commit = off"
      echo "full_page_writes = off"
    fi
  } >>"$data/postgresql.conf"
  [ "$(id -u)" -ne 0 ] || chown postgres: "$data/pg_hba.conf" "$data/postgresql.conf"

  # A free port can be taken by someone else between choosing and binding it: retry.
  local port="" attempt started=0
  for attempt in 1 2 3 4 5; do
    port="$(free_port)"
    echo "pg-cluster: starting on 127.0.0.1:$port (attempt $attempt)"
    if as_pg "$PG_BIN/pg_ctl" -D "$data" -l "$log" -w -t 60 -o "-p $port" start >/dev/null; then
      started=1
      break
    fi
    # Leave no half-started server behind before retrying or giving up.
    as_pg "$PG_BIN/pg_ctl" -D "$data" -m immediate -w stop >/dev/null 2>&1 || true
    grep -q "could not bind\|Address already in use" "$log" 2>/dev/null || break
  done
  if [ "$started" -ne 1 ]; then
    tail -n 30 "$log" >&2 2>/dev/null || true
    die "PostgreSQL did not start (log: $log)"
  fi
  echo "$port" >"$dir/port"

  echo "pg-cluster: creating roles venuedesk_owner, venuedesk_app, a superuser password and database venuedesk"
  if ! "$PG_BIN/psql" 3>&- -X -q -v ON_ERROR_STOP=1 -h "$dir" -p "$port" -U postgres -d postgres <<'SQL'
CREATE ROLE venuedesk_owner LOGIN CREATEDB NOSUPERUSER NOBYPASSRLS NOCREATEROLE NOREPLICATION PASSWORD 'venuedesk_owner';
CREATE ROLE venuedesk_app LOGIN NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE NOREPLICATION PASSWORD 'venuedesk_app';
CREATE DATABASE venuedesk OWNER venuedesk_owner;
-- Tests sign in as the bootstrap superuser too: to prove `serve` refuses one, and to read
-- every row past row-level security when checking what is stored at rest.
ALTER ROLE postgres PASSWORD 'postgres';
SQL
  then
    as_pg "$PG_BIN/pg_ctl" -D "$data" -m immediate -w stop >/dev/null 2>&1 || true
    die "creating the roles and the database failed (the server is stopped; $dir is kept)"
  fi

  echo "pg-cluster: ready in $dir (log: $log)"
  echo "postgres://venuedesk_owner:venuedesk_owner@127.0.0.1:$port/venuedesk" >&3
}

# Whether PID is a running (not zombie) postgres process.
pg_alive() {
  [ "$(cat "/proc/$1/comm" 2>/dev/null || true)" = "postgres" ] || return 1
  local state
  state="$(sed -n 's/^State:[[:space:]]*\([A-Z]\).*/\1/p' "/proc/$1/status" 2>/dev/null || true)"
  [ -n "$state" ] && [ "$state" != "Z" ] && [ "$state" != "X" ]
}

cmd_stop() {
  local dir
  dir="$(abs_dir "${1:-}")"
  [ $# -le 1 ] || usage
  [ -e "$dir" ] || return 0
  if [ ! -e "$dir/$MARKER" ]; then
    # Not ours, or created by start before it wrote anything: only an empty one is removed.
    if [ -d "$dir" ] && [ -z "$(ls -A -- "$dir")" ]; then
      rmdir -- "$dir"
      return 0
    fi
    die "$dir was not created by scripts/pg-cluster.sh start (no $MARKER); not deleting it"
  fi
  local data="$dir/data" pid=""
  if [ -f "$data/postmaster.pid" ]; then
    pid="$(head -n 1 "$data/postmaster.pid" 2>/dev/null || true)"
    [[ "$pid" =~ ^[0-9]+$ ]] || pid=""
    if [ -x "$PG_BIN/pg_ctl" ]; then
      as_pg "$PG_BIN/pg_ctl" -D "$data" -m immediate -w -t 30 stop >/dev/null 2>&1 || true
    fi
  fi
  # pg_ctl could not stop it (e.g. a broken data directory): end that postmaster by its pid,
  # and only if it really is a postgres process. Then wait until it has exited (a zombie
  # waiting for init to reap it has exited).
  if [ -n "$pid" ] && pg_alive "$pid"; then
    kill -9 "$pid" 2>/dev/null || true
  fi
  if [ -n "$pid" ]; then
    for _ in $(seq 100); do pg_alive "$pid" || break; sleep 0.1; done
    ! pg_alive "$pid" || die "postgres (pid $pid) of $dir would not stop"
  fi
  rm -rf -- "$dir"
}

case "${1:-}" in
  start) shift; cmd_start "$@" ;;
  stop) shift; cmd_stop "$@" ;;
  *) usage ;;
esac
