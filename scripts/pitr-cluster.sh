#!/usr/bin/env bash
# A PostgreSQL 15 cluster backed up with pgBackRest, for the point-in-time-recovery drill
# (the automated test and the restore runbook). Everything lives in one directory, DIR:
#
#   DIR/data             the cluster (fsync on, data checksums, wal_level replica,
#                        archive_mode on, every WAL segment archived by pgBackRest)
#   DIR/pgbackrest.conf  pgBackRest's configuration, mode 0600: it holds the repository's
#                        cipher pass, generated at start. In production this file (or at least
#                        the pass) is kept AWAY from the repository: whoever has both can read
#                        every backup, and whoever loses the pass has no backups.
#   DIR/repo             the repository (aes-256-cbc encrypted; stanza `venuedesk`)
#   DIR/log              pgBackRest's logs (venuedesk-backup.log, venuedesk-restore.log, ...)
#   DIR/postgres.log     the server's log (kept across restores)
#   DIR/port             the port; DIR is also the server's socket directory
#
#   scripts/pitr-cluster.sh start DIR
#       DIR must be empty or missing (e.g. from mktemp -d under /tmp; its path may hold only
#       letters, digits and / . _ + -). Creates and starts the cluster on a free 127.0.0.1
#       port, writes the pgBackRest configuration, runs stanza-create and check (WAL
#       archiving works end to end), creates the roles venuedesk_owner (schema owner,
#       CREATEDB) and venuedesk_app (no superuser, no BYPASSRLS), the database venuedesk owned
#       by venuedesk_owner and the superuser password `postgres`, exactly as
#       scripts/pg-cluster.sh does, and prints ONE line to stdout, the owner's URL:
#           postgres://venuedesk_owner:venuedesk_owner@127.0.0.1:PORT/venuedesk
#       The application role's URL is the same with venuedesk_app:venuedesk_app.
#   scripts/pitr-cluster.sh backup DIR
#       A full backup (pgbackrest backup --type=full, immediate checkpoint) of the running
#       cluster. Prints ONE line to stdout: the backup's label (e.g. 20261203-021003F).
#       Retention keeps the newest 2 full backups and the WAL they need (repo1-retention-full).
#   scripts/pitr-cluster.sh restore DIR TIME|latest
#       Point-in-time recovery to TIME: stops the server (fast shutdown), restores the newest
#       backup that ended at or before TIME with `pgbackrest restore --delta --type=time
#       --target=TIME --target-action=promote`, starts the server on the same port (so the same
#       URL works; until recovery has ended clients are refused with "the database system is
#       starting up": nobody sees a read-only server), waits until recovery has ended and the
#       server accepts writes (pg_is_in_recovery() = false), checks that WAL archiving works on
#       the new timeline, and exits 0. Prints nothing to stdout; the point recovery stopped at
#       goes to stderr.
#       Transactions that committed at or before TIME are kept, later ones are gone.
#       TIME: an instant with an explicit UTC offset, as PostgreSQL prints a timestamptz
#       (recovery_target_time):  YYYY-MM-DD HH:MM:SS[.ffffff](+HH|+HH:MM|-HH|-HH:MM|Z), e.g.
#           '2026-12-03 02:10:05.123456+00'   (SELECT now() in a UTC session)
#       A `T` instead of the space (RFC 3339) is accepted; digits past microseconds are
#       dropped. A time without an offset is refused: at 3 a.m. nobody should have to guess
#       which time zone it meant. TIME must be
#         - in the past, and after the end of at least one full backup (recovery starts from
#           a backup and can only move forward from the moment that backup became consistent;
#           a TIME noted after `backup` returned always is; one typed by hand within the second
#           a backup ended may pass the check, as pgBackRest's stop times are whole seconds,
#           and then fail in recovery, which says so), and
#         - covered by archived WAL. See "Why restore archives the WAL first" below.
#       Instead of TIME, `latest` restores the newest backup and replays all archived WAL
#       (pgbackrest restore --type=default): for when the WAL up to TIME was never archived.
#       A server that is down is first started, if it can be, to archive its last WAL; one that
#       cannot start is restored from what the repository holds (with a warning).
#       On a failure the server's and pgBackRest's log tails are printed with what to do next;
#       checks that fail before the server is stopped change nothing. Timeouts (seconds):
#       VENUEDESK_PITR_TIMEOUT (default 300) for stopping, starting, recovery and each
#       pgBackRest command.
#   scripts/pitr-cluster.sh verify DIR [TEXT...]
#       Checks the repository: `pgbackrest info` reports the stanza ok, `pgbackrest verify`
#       finds every backup and WAL file valid, every file in DIR/repo is OpenSSL-encrypted
#       (starts with `Salted__`), and neither `venuedesk_owner` (stored in plain text in the
#       cluster's catalog, and shown to be there) nor any TEXT given (e.g. a row's value) occurs
#       anywhere in DIR/repo. Prints nothing to stdout; exit code 1 on any finding.
#   scripts/pitr-cluster.sh stop DIR
#       Stops the cluster (immediate shutdown) and any pgBackRest process of this DIR, and
#       deletes DIR. Safe when already stopped, when start failed half-way, or when DIR is
#       already gone.
#
# Why restore archives the WAL first. Recovery can only replay WAL that is in the repository,
# and the server archives a segment only once it is full (16 MiB) or switched. The segment
# holding TIME is usually still being written when the restore begins, and a fast shutdown
# does not archive it either: it would be lost, and with it every transaction since the last
# switch. Worse, PostgreSQL stops a time recovery at the first commit AFTER the target; if the
# archived WAL ends before one, it stops with "recovery ended before configured recovery
# target was reached" (FATAL) instead of promoting. So, while the old server still runs,
# restore commits one empty transaction (a commit record later than TIME) and runs
# `pgbackrest check`, which switches to a new WAL segment and waits until the old one is in
# the repository. If the server is not running (it crashed: the real 3 a.m. case), restore
# first starts it, so that crash recovery replays its own pg_wal and the same steps can
# archive it; if it cannot start, restore warns and goes on with what was archived (the last,
# unfinished segment is lost; when TIME lies in it, recovery fails as above: use `latest`).
# TIME must also be after the end of the backup restored from: a backup is consistent only
# from its end (the WAL written while it was copied must be replayed first), and PostgreSQL
# refuses a target before that ("requested recovery stop point is before consistent recovery
# point"). restore picks the newest backup that ended at or before TIME, and refuses when
# there is none.
#
# Use (as root, or as the owner of DIR; the test does the same):
#   dir="$(mktemp -d)"; trap 'scripts/pitr-cluster.sh stop "$dir"' EXIT
#   url="$(scripts/pitr-cluster.sh start "$dir")"
#   label="$(scripts/pitr-cluster.sh backup "$dir")"
#   t="$(psql -XAtc "SELECT now()" "$url")"      # ... later writes ...
#   scripts/pitr-cluster.sh restore "$dir" "$t"
#
# Conventions as in scripts/pg-cluster.sh (its helpers are copied here, not shared: keep the
# two in step): everything but the one stdout line goes to stderr. PostgreSQL refuses to run as
# root: as root, initdb, pg_ctl, postgres and pgbackrest run as the `postgres` OS user
# (runuser); as any other user they run as that user. The clock TIME is read from and the
# server's clock are the same machine's.
set -euo pipefail

PG_BIN="${VENUEDESK_PG_BIN:-/usr/lib/postgresql/15/bin}"
PGBACKREST="${VENUEDESK_PGBACKREST:-$(command -v pgbackrest 2>/dev/null || echo /usr/bin/pgbackrest)}"
TIMEOUT="${VENUEDESK_PITR_TIMEOUT:-300}"
STANZA="venuedesk"
MARKER=".venuedesk-pitr-cluster"

# stdout is kept for the one result line (fd 3); everything else, ours or a tool's, goes to stderr.
exec 3>&1 1>&2

die() { echo "pitr-cluster: $*" >&2; exit 1; }
say() { echo "pitr-cluster: $*" >&2; }

usage() {
  echo "usage: scripts/pitr-cluster.sh start DIR | backup DIR | restore DIR TIME|latest | verify DIR [TEXT...] | stop DIR" >&2
  exit 2
}

[[ "$TIMEOUT" =~ ^[1-9][0-9]*$ ]] || die "VENUEDESK_PITR_TIMEOUT must be a number of seconds"

# Runs a PostgreSQL server program (or pgBackRest) as the user that owns the cluster, from a
# directory that user can read (so no "could not identify current directory" warnings),
# without fd 3: a server that inherited it would keep the caller's $(...) waiting for the end
# of stdout.
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

# Whether PID is a running (not zombie) postgres process.
pg_alive() {
  [ "$(cat "/proc/$1/comm" 2>/dev/null || true)" = "postgres" ] || return 1
  local state
  state="$(sed -n 's/^State:[[:space:]]*\([A-Z]\).*/\1/p' "/proc/$1/status" 2>/dev/null || true)"
  [ -n "$state" ] && [ "$state" != "Z" ] && [ "$state" != "X" ]
}

# --- the state of one DIR -------------------------------------------------------------------

DIR="" DATA="" CONF="" PGLOG="" PORT=""

# For every command but start: DIR must be a cluster this script created.
load_dir() {
  DIR="$(abs_dir "${1:-}")"
  [ -e "$DIR/$MARKER" ] || die "$DIR is not a cluster made by scripts/pitr-cluster.sh start (no $MARKER)"
  DATA="$DIR/data" CONF="$DIR/pgbackrest.conf" PGLOG="$DIR/postgres.log"
  [ -f "$CONF" ] || die "$CONF is missing (did start fail half-way?)"
  PORT="$(cat "$DIR/port" 2>/dev/null || true)"
  [[ "$PORT" =~ ^[0-9]+$ ]] || die "$DIR/port is missing (did start fail half-way?)"
}

pgbr() {
  as_pg timeout "$TIMEOUT" "$PGBACKREST" --config="$CONF" --stanza="$STANZA" "$@"
}

# The end of pgBackRest's log for COMMAND (its console shows warnings only).
pgbr_log_tail() {
  local f="$DIR/log/$STANZA-$1.log"
  if [ -f "$f" ]; then
    echo "--- last lines of $f ---" >&2
    tail -n 25 "$f" >&2 || true
  fi
}

pg_log_tail() {
  if [ -f "$PGLOG" ]; then
    echo "--- last lines of $PGLOG ---" >&2
    tail -n "${1:-30}" "$PGLOG" >&2 || true
  fi
}

# psql as the bootstrap superuser through the socket in DIR (trusted there).
psql_su() {
  "$PG_BIN/psql" 3>&- -X -q -v ON_ERROR_STOP=1 -h "$DIR" -p "$PORT" -U postgres -d postgres "$@"
}

server_running() {
  as_pg "$PG_BIN/pg_ctl" -D "$DATA" status >/dev/null 2>&1
}

# Writes the pgBackRest configuration for PORT (0600: it holds the cipher pass).
write_pgbackrest_conf() {
  local port="$1" pass="$2"
  (
    umask 077
    cat >"$CONF" <<CONF
# scripts/pitr-cluster.sh: pgBackRest for the cluster in $DIR.
[global]
repo1-path=$DIR/repo
# The repository is encrypted; without this pass no backup can be restored. Store it apart
# from the repository (in production: a secrets manager, not the backup host).
repo1-cipher-type=aes-256-cbc
repo1-cipher-pass=$pass
# Keep the newest 2 full backups, and the WAL needed to recover from them to any later time.
repo1-retention-full=2
# Backups and WAL compressed with Zstandard (then encrypted): faster and smaller than gz.
compress-type=zst
# backup: an immediate checkpoint, instead of waiting up to checkpoint_timeout for one.
start-fast=y
# check and backup wait this long (s) for a WAL segment to reach the repository.
archive-timeout=60
log-path=$DIR/log
lock-path=$DIR/lock
spool-path=$DIR/spool
log-level-console=warn
log-level-file=info

[$STANZA]
pg1-path=$DATA
pg1-socket-path=$DIR
pg1-port=$port
pg1-user=postgres
CONF
  )
  [ "$(id -u)" -ne 0 ] || chown postgres: "$CONF"
}

# --- start ----------------------------------------------------------------------------------

cmd_start() {
  [ $# -eq 1 ] || usage
  DIR="$(abs_dir "$1")"
  DATA="$DIR/data" CONF="$DIR/pgbackrest.conf" PGLOG="$DIR/postgres.log"

  # DIR goes into archive_command (a shell command in which % is special) and the socket path.
  [[ "$DIR" =~ ^[A-Za-z0-9/._+-]+$ ]] ||
    die "$DIR: the directory's path may hold only letters, digits and / . _ + - (it is part of archive_command)"
  [ "${#DIR}" -le 80 ] || die "$DIR is too long for a socket directory (80 characters at most); use mktemp -d"
  [ -x "$PG_BIN/initdb" ] || die "PostgreSQL 15 is not installed ($PG_BIN/initdb is missing);
  install the Debian package postgresql-15 (apt-get install postgresql-15, or run scripts/system-deps.sh)"
  [ -x "$PGBACKREST" ] || die "pgBackRest is not installed ($PGBACKREST is missing); install the Debian package pgbackrest"
  if [ "$(id -u)" -eq 0 ] && ! id postgres >/dev/null 2>&1; then
    die "running as root needs the OS user 'postgres' (created by the postgresql-15 package)"
  fi
  command -v python3 >/dev/null 2>&1 || die "python3 is needed to pick a free port"

  mkdir -p -- "$DIR"
  [ -z "$(ls -A -- "$DIR")" ] || die "$DIR is not empty; give start a new or empty directory"
  # The marker lets `stop` delete only directories this script created a cluster in.
  : >"$DIR/$MARKER"
  chmod 0700 "$DIR"
  if [ "$(id -u)" -eq 0 ]; then
    chown postgres: "$DIR"
    runuser -u postgres -- test -w "$DIR" ||
      die "the postgres user cannot write to $DIR (is a parent directory closed to it?); use a directory under /tmp"
  fi

  # pgBackRest creates its repository and lock directories, not its log directory.
  mkdir -m 0700 -- "$DIR/log"
  [ "$(id -u)" -ne 0 ] || chown postgres: "$DIR/log"

  # The repository's cipher pass: 48 random bytes as about 60 letters and digits, only ever
  # written to CONF.
  local pass
  pass="$(head -c 48 /dev/urandom | base64 -w 0 | tr -d '=+/')"
  [ "${#pass}" -ge 40 ] || die "could not generate a cipher pass"

  say "initdb $DATA (data checksums on)"
  as_pg "$PG_BIN/initdb" -D "$DATA" -U postgres -E UTF8 --locale=C.UTF-8 --data-checksums \
    --auth-local=trust --auth-host=scram-sha-256 >"$DIR/initdb.log" 2>&1 || {
    cat "$DIR/initdb.log" >&2
    die "initdb failed"
  }

  # Only the socket inside DIR (trusted: the bootstrap superuser and pgBackRest use it) and
  # 127.0.0.1 with a password. Nothing else may connect.
  cat >"$DATA/pg_hba.conf" <<'HBA'
# TYPE  DATABASE  USER  ADDRESS        METHOD
local   all       all                  trust
host    all       all   127.0.0.1/32   scram-sha-256
HBA
  {
    echo
    echo "# scripts/pitr-cluster.sh"
    echo "listen_addresses = '127.0.0.1'"
    echo "unix_socket_directories = '$DIR'"
    echo "unix_socket_permissions = 0700"
    echo "max_connections = 300"
    echo "password_encryption = 'scram-sha-256'"
    # Production durability: a backup of a cluster that may lose commits proves nothing.
    echo "fsync = on"
    echo "synchronous_commit = on"
    echo "full_page_writes = on"
    # Every WAL segment goes to the repository as soon as it is complete (or switched).
    echo "wal_level = replica"
    echo "archive_mode = on"
    echo "archive_command = '$PGBACKREST --config=$CONF --stanza=$STANZA archive-push %p'"
  } >>"$DATA/postgresql.conf"
  [ "$(id -u)" -ne 0 ] || chown postgres: "$DATA/pg_hba.conf" "$DATA/postgresql.conf"

  # A free port can be taken by someone else between choosing and binding it: retry. The
  # configuration names the port, so it is written before each attempt.
  local port="" attempt started=0
  for attempt in 1 2 3 4 5; do
    port="$(free_port)"
    write_pgbackrest_conf "$port" "$pass"
    say "starting on 127.0.0.1:$port (attempt $attempt)"
    if as_pg "$PG_BIN/pg_ctl" -D "$DATA" -l "$PGLOG" -w -t 60 -o "-p $port" start >/dev/null; then
      started=1
      break
    fi
    # Leave no half-started server behind before retrying or giving up.
    as_pg "$PG_BIN/pg_ctl" -D "$DATA" -m immediate -w stop >/dev/null 2>&1 || true
    grep -q "could not bind\|Address already in use" "$PGLOG" 2>/dev/null || break
  done
  if [ "$started" -ne 1 ]; then
    pg_log_tail
    die "PostgreSQL did not start (log: $PGLOG)"
  fi
  echo "$port" >"$DIR/port"
  PORT="$port"

  local stop_and_die_msg="(the server is stopped; $DIR is kept)"
  say "pgbackrest stanza-create (repository $DIR/repo, aes-256-cbc)"
  if ! pgbr stanza-create; then
    pgbr_log_tail stanza-create
    as_pg "$PG_BIN/pg_ctl" -D "$DATA" -m immediate -w stop >/dev/null 2>&1 || true
    die "pgbackrest stanza-create failed $stop_and_die_msg"
  fi
  # check: switches WAL and waits until the segment is in the repository, i.e. archive_command
  # works end to end (as the server runs it).
  say "pgbackrest check (WAL archiving)"
  if ! pgbr check; then
    pgbr_log_tail check
    pg_log_tail 15
    as_pg "$PG_BIN/pg_ctl" -D "$DATA" -m immediate -w stop >/dev/null 2>&1 || true
    die "pgbackrest check failed $stop_and_die_msg"
  fi

  say "creating roles venuedesk_owner, venuedesk_app, a superuser password and database venuedesk"
  if ! psql_su <<'SQL'
CREATE ROLE venuedesk_owner LOGIN CREATEDB NOSUPERUSER NOBYPASSRLS NOCREATEROLE NOREPLICATION PASSWORD 'venuedesk_owner';
CREATE ROLE venuedesk_app LOGIN NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE NOREPLICATION PASSWORD 'venuedesk_app';
CREATE DATABASE venuedesk OWNER venuedesk_owner;
-- Tests sign in as the bootstrap superuser too: to prove `serve` refuses one, and to read
-- every row past row-level security when checking what is stored at rest.
ALTER ROLE postgres PASSWORD 'postgres';
SQL
  then
    as_pg "$PG_BIN/pg_ctl" -D "$DATA" -m immediate -w stop >/dev/null 2>&1 || true
    die "creating the roles and the database failed $stop_and_die_msg"
  fi

  say "ready in $DIR (log: $PGLOG; pgBackRest: $CONF, repository $DIR/repo)"
  echo "postgres://venuedesk_owner:venuedesk_owner@127.0.0.1:$PORT/venuedesk" >&3
}

# --- backup ---------------------------------------------------------------------------------

# (pgbackrest info --output=json is read with strict=False and invalid UTF-8 replaced: with a
# wrong cipher pass its error message quotes the undecrypted bytes, control characters and all.)

# The label of the newest backup in the repository ("" when there is none).
newest_label() {
  pgbr info --output=json | python3 -c '
import json, sys
stanzas = json.loads(sys.stdin.buffer.read().decode("utf-8", "replace"), strict=False)
backups = [b for s in stanzas for b in s.get("backup", [])]
print(max(backups, key=lambda b: b["timestamp"]["stop"])["label"] if backups else "")'
}

cmd_backup() {
  [ $# -eq 1 ] || usage
  load_dir "$1"
  server_running || die "the server of $DIR is not running; backup needs it"
  say "pgbackrest backup --type=full"
  local t0=$SECONDS
  if ! pgbr backup --type=full; then
    pgbr_log_tail backup
    die "pgbackrest backup failed"
  fi
  local label
  label="$(newest_label)" || die "pgbackrest info failed after the backup"
  [ -n "$label" ] || die "pgbackrest info lists no backup after the backup"
  say "full backup $label done in $((SECONDS - t0)) s"
  echo "$label" >&3
}

# --- restore --------------------------------------------------------------------------------

# TIME in the one form both PostgreSQL and pgBackRest read alike, in UTC:
# "YYYY-MM-DD HH:MM:SS.ffffff+00". Fails on anything else, and on a time without an offset.
normalize_time() {
  python3 - "$1" <<'PY'
import datetime, re, sys
s = sys.argv[1].strip()
m = re.fullmatch(r"(\d{4}-\d{2}-\d{2})[ T](\d{2}:\d{2}:\d{2})(?:\.(\d+))?\s*(Z|z|[+-]\d{2}(?::?\d{2})?)", s)
if not m:
    sys.exit("expected YYYY-MM-DD HH:MM:SS[.ffffff] followed by a UTC offset (+00, +01:00, -05, Z), got %r" % s)
day, clock, frac, off = m.groups()
frac = (frac or "")[:6].ljust(6, "0")
if off in ("Z", "z"):
    off = "+00:00"
elif len(off) == 3:
    off += ":00"
elif ":" not in off:
    off = off[:3] + ":" + off[3:]
try:
    t = datetime.datetime.fromisoformat("%sT%s.%s%s" % (day, clock, frac, off))
except ValueError as e:
    sys.exit("%r is not a valid time: %s" % (s, e))
print(t.astimezone(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M:%S.%f") + "+00")
PY
}

# The newest backup that had ended by TIME (seconds since the epoch, may be fractional):
# prints "label stop-epoch", or nothing.
backup_before() {
  pgbr info --output=json | python3 -c '
import json, sys
target = float(sys.argv[1])
stanzas = json.loads(sys.stdin.buffer.read().decode("utf-8", "replace"), strict=False)
for s in stanzas:
    if s["status"]["code"] not in (0, 2):  # 2: no valid backups
        sys.exit("pgbackrest info: stanza %s: %s (a wrong repo1-cipher-pass shows as an info file that cannot be loaded)"
                 % (s["name"], s["status"]["message"]))
ok = [b for s in stanzas for b in s.get("backup", []) if b["timestamp"]["stop"] <= target]
if ok:
    b = max(ok, key=lambda b: b["timestamp"]["stop"])
    print(b["label"], b["timestamp"]["stop"])' "$1"
}

# Recovery did not end: the server's log since it was started, and what to do.
recovery_failed() {
  local recent
  recent="$(tail -c +"$1" "$PGLOG" 2>/dev/null || true)"
  echo "--- $PGLOG since the restore started it (last lines) ---" >&2
  printf '%s\n' "$recent" | tail -n 40 >&2
  if server_running; then
    die "recovery has not ended within $TIMEOUT s; the server is left running (log: $PGLOG)"
  fi
  if printf '%s\n' "$recent" | grep -q "recovery ended before configured recovery target was reached"; then
    die "the repository's WAL ends before TIME: what was written after it was never archived (see the
  header). Restore to 'latest' (everything archived) or to an earlier TIME; the server is stopped"
  fi
  if printf '%s\n' "$recent" | grep -q "before consistent recovery point"; then
    die "TIME is before the end of the backup that was restored (stop times are whole seconds);
  restore to a later TIME or from an earlier backup; the server is stopped"
  fi
  die "the server stopped during recovery (log: $PGLOG); see the lines above"
}

cmd_restore() {
  [ $# -eq 2 ] || usage
  load_dir "$1"
  local target="" epoch="" what
  local -a restore_args=(--delta)
  local t0=$SECONDS
  if [ "$2" = "latest" ]; then
    # Everything the repository holds: the newest backup and all archived WAL after it.
    restore_args+=(--type=default)
    what="the end of the archived WAL (latest)"
    say "restoring to $what"
  else
    target="$(normalize_time "$2")" || die "TIME: see the header of scripts/pitr-cluster.sh for its format"
    epoch="$(python3 -c 'import datetime,sys; print(datetime.datetime.fromisoformat(sys.argv[1][:-3] + "+00:00").timestamp())' "$target")"
    restore_args+=(--type=time "--target=$target" --target-action=promote)
    what="$target"
    say "restoring to $target (UTC)"
    # The server runs on this machine: its clock is this one.
    python3 -c 'import sys,time; sys.exit(0 if float(sys.argv[1]) < time.time() else 1)' "$epoch" ||
      die "$target is not in the past (now: $(date -u '+%F %T') UTC); nothing was changed"

    # 1. A backup must have ended by TIME: recovery replays forward from a backup's end.
    local chosen
    chosen="$(backup_before "$epoch")" || die "the repository cannot be read (see above); nothing was changed"
    [ -n "$chosen" ] || die "no backup in the repository ended at or before $target: recovery starts from a
  backup's end and moves forward, so it cannot reach an earlier time (pgbackrest --config=$CONF info lists
  them); nothing was changed"
    say "restoring from backup ${chosen% *} (ended $(date -u -d "@${chosen#* }" '+%F %T') UTC)"
  fi

  # 2. While the old server runs: make sure the WAL up to and past TIME is in the repository
  #    (see "Why restore archives the WAL first" in the header). A server that is down (it
  #    crashed) is started first if it can be: crash recovery replays its own pg_wal, and then
  #    what it had not archived can be. Not when recovery.signal is there: that is a restore
  #    that did not finish, not the old server, and starting it would run that recovery again.
  if ! server_running && [ ! -e "$DATA/recovery.signal" ] && [ ! -e "$DATA/standby.signal" ]; then
    say "the server is not running: starting it to archive the WAL it has not archived yet"
    if ! as_pg "$PG_BIN/pg_ctl" -D "$DATA" -l "$PGLOG" -w -t "$TIMEOUT" -o "-p $PORT" start >/dev/null; then
      pg_log_tail 15
      as_pg "$PG_BIN/pg_ctl" -D "$DATA" -m immediate -w -t 60 stop >/dev/null 2>&1 || true
      say "the old server does not start (see above); going on without its unarchived WAL"
    fi
  fi
  if server_running; then
    # An empty transaction with a transaction id writes a commit record, stamped now (after
    # TIME): recovery sees it, knows it has passed TIME, stops before it and promotes.
    psql_su -Atc "SELECT txid_current()" >/dev/null || die "could not commit on the running server"
    say "archiving the current WAL segment (pgbackrest check: switch WAL, wait for the repository)"
    if ! pgbr check; then
      pgbr_log_tail check
      pg_log_tail 15
      die "WAL archiving does not work: the WAL after the last archived segment would be lost; nothing was changed"
    fi
  else
    say "WARNING: the server is not running, so the WAL it had not archived yet (at least its" \
      "last, unfinished segment) is lost: recovery can reach only what the repository holds"
  fi

  # 3. Stop the server: fast (clients are cut off, a clean shutdown checkpoint); immediate if
  #    that does not finish in time, since the data directory is overwritten anyway. A
  #    postmaster.pid left by a crashed server would make pgBackRest refuse to restore.
  if server_running; then
    say "stopping the server (fast)"
    as_pg "$PG_BIN/pg_ctl" -D "$DATA" -m fast -w -t "$TIMEOUT" stop >/dev/null ||
      as_pg "$PG_BIN/pg_ctl" -D "$DATA" -m immediate -w -t 60 stop >/dev/null ||
      { pg_log_tail; die "the server would not stop"; }
  fi
  if [ -f "$DATA/postmaster.pid" ]; then
    local pid
    pid="$(head -n 1 "$DATA/postmaster.pid" 2>/dev/null || true)"
    if [[ "$pid" =~ ^[0-9]+$ ]] && pg_alive "$pid"; then
      die "postgres (pid $pid) still runs on $DATA; not restoring over it"
    fi
    say "removing the stale $DATA/postmaster.pid (its server is gone)"
    rm -f -- "$DATA/postmaster.pid"
  fi

  # 4. Restore. --delta rewrites only the files that differ from the backup (checksums) and
  #    deletes the rest; pgBackRest writes restore_command (archive-get with this
  #    configuration), recovery_target_time and recovery_target_action = promote into
  #    postgresql.auto.conf, and recovery.signal.
  local shown
  printf -v shown ' %q' "${restore_args[@]}"
  say "pgbackrest restore$shown"
  if ! pgbr restore "${restore_args[@]}"; then
    pgbr_log_tail restore
    die "pgbackrest restore failed; the server is stopped (run restore again once the cause is fixed)"
  fi

  # 5. Start on the same port and wait for the end of recovery. hot_standby = off: no client
  #    connects before recovery has ended ("the database system is starting up"), so the
  #    platform never sees, or pools a connection to, a read-only server; pg_ctl -w returns
  #    once the server accepts connections, i.e. once it has been promoted. (The setting only
  #    matters during recovery; it stays on the command line of this server.) The loop below
  #    checks pg_is_in_recovery() all the same.
  local log_from
  log_from=$(($(stat -c %s "$PGLOG" 2>/dev/null || echo 0) + 1))
  say "starting the server on 127.0.0.1:$PORT (recovery)"
  if ! as_pg "$PG_BIN/pg_ctl" -D "$DATA" -l "$PGLOG" -w -t "$TIMEOUT" -o "-p $PORT -c hot_standby=off" start >/dev/null; then
    recovery_failed "$log_from"
  fi
  local deadline=$((SECONDS + TIMEOUT)) state=""
  while :; do
    state="$(psql_su -Atc "SELECT pg_is_in_recovery()" 2>/dev/null || true)"
    [ "$state" = "f" ] && break
    if ! server_running || [ "$SECONDS" -ge "$deadline" ]; then
      recovery_failed "$log_from"
    fi
    sleep 0.2
  done
  # A transaction id can be assigned only by a server that accepts writes.
  psql_su -Atc "SELECT txid_current()" >/dev/null || die "the server does not accept writes after recovery"
  tail -c +"$log_from" "$PGLOG" | grep -E "recovery stopping|last completed transaction|selected new timeline|archive recovery complete" >&2 || true

  # 6. The promoted server writes a new timeline; its WAL must reach the repository too.
  say "pgbackrest check on the new timeline"
  if ! pgbr check; then
    pgbr_log_tail check
    die "the data is restored and the server accepts writes, but WAL archiving fails: no new backup can be taken"
  fi
  say "restored to $what in $((SECONDS - t0)) s; the server accepts writes on 127.0.0.1:$PORT." \
    "Take a new full backup (scripts/pitr-cluster.sh backup $DIR)."
}

# --- verify ---------------------------------------------------------------------------------

cmd_verify() {
  [ $# -ge 1 ] || usage
  load_dir "$1"
  shift
  local repo="$DIR/repo" failed=0

  say "pgbackrest info"
  local status
  status="$(pgbr info --output=json | python3 -c '
import json, sys
s = json.loads(sys.stdin.buffer.read().decode("utf-8", "replace"), strict=False)[0]
print(s["status"]["code"], s["status"]["message"], len(s.get("backup", [])), "backup(s)",
      "cipher", s.get("cipher", "?"))')" || { pgbr_log_tail info; die "pgbackrest info failed"; }
  say "  stanza $STANZA: $status"
  case "$status" in
    "0 "*" cipher aes-256-cbc") ;;
    *) say "FAIL: the stanza is not ok, or not encrypted with aes-256-cbc"; failed=1 ;;
  esac

  # verify reads every backup file and WAL segment in the repository, decrypts it and checks
  # its checksum and size, and the WAL's continuity. It exits 0 even when it finds invalid
  # files (pgBackRest 2.45), so its summary decides: "status: ok", or "status: error" with
  # the counts of missing and invalid files.
  say "pgbackrest verify"
  local out
  if out="$(pgbr verify --output=text --verbose)"; then
    printf '%s\n' "$out" | sed 's/^/  /' >&2
    if ! printf '%s\n' "$out" | grep -qx "status: ok" || printf '%s\n' "$out" | grep -q "status: error"; then
      say "FAIL: pgbackrest verify found missing or invalid files (log: $DIR/log/$STANZA-verify.log)"
      failed=1
    fi
  else
    pgbr_log_tail verify
    say "FAIL: pgbackrest verify failed"
    failed=1
  fi

  # Encrypted at rest: pgBackRest encrypts each file with OpenSSL, whose output begins with
  # "Salted__". Every file in the repository must; none may be plain text.
  say "every file in $repo is encrypted"
  local n=0 plain=0 f
  while IFS= read -r -d '' f; do
    n=$((n + 1))
    if [ "$(head -c 8 -- "$f")" != "Salted__" ]; then
      say "FAIL: not encrypted: $f"
      plain=$((plain + 1))
    fi
  done < <(find "$repo" -type f -print0)
  say "  $n files, $plain not encrypted"
  [ "$n" -gt 0 ] || { say "FAIL: the repository holds no files"; failed=1; }
  [ "$plain" -eq 0 ] || failed=1

  # And no known plain text anywhere in it. venuedesk_owner is in the catalog (pg_authid) of
  # every backup in plain text, which the data directory shows.
  local canary="venuedesk_owner" text
  if grep -rqaF -- "$canary" "$DATA/global"; then
    say "  '$canary' is in plain text in $DATA/global (the catalog)"
  fi
  for text in "$canary" "$@"; do
    [ -n "$text" ] || continue
    if grep -rlaF -- "$text" "$repo" >&2; then
      say "FAIL: '$text' is readable in the files above"
      failed=1
    else
      say "  '$text' occurs nowhere in $repo"
    fi
  done

  [ "$failed" -eq 0 ] || die "verify: the repository failed the checks above"
  say "verify: the repository is consistent and encrypted"
}

# --- stop -----------------------------------------------------------------------------------

# pgBackRest processes (archive-push, backup, restore, their local workers) of this DIR: those
# whose command line names its configuration file.
pgbr_pids() {
  local conf="--config=$1/pgbackrest.conf" p arg
  local -a args
  for p in /proc/[0-9]*; do
    [ "${p#/proc/}" != "$$" ] || continue
    # Builtins only (no fork per process: a busy machine has hundreds). A process can end
    # between listing and reading: 2>/dev/null before the <.
    mapfile -d '' -t args 2>/dev/null <"$p/cmdline" || continue
    for arg in "${args[@]}"; do
      if [ "$arg" = "$conf" ]; then
        echo "${p#/proc/}"
        break
      fi
    done
  done
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
    die "$dir was not created by scripts/pitr-cluster.sh start (no $MARKER); not deleting it"
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
  # An archive-push the archiver had started, or a backup still running: end them by pid.
  local pids
  pids="$(pgbr_pids "$dir")"
  if [ -n "$pids" ]; then
    # shellcheck disable=SC2086
    kill -9 $pids 2>/dev/null || true
    for _ in $(seq 50); do [ -n "$(pgbr_pids "$dir")" ] || break; sleep 0.1; done
  fi
  rm -rf -- "$dir"
}

case "${1:-}" in
  start) shift; cmd_start "$@" ;;
  backup) shift; cmd_backup "$@" ;;
  restore) shift; cmd_restore "$@" ;;
  verify) shift; cmd_verify "$@" ;;
  stop) shift; cmd_stop "$@" ;;
  *) usage ;;
esac
