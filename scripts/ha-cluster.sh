#!/usr/bin/env bash
# A throwaway highly available PostgreSQL 15 cluster for failover tests and for trying
# failover by hand: one etcd, two PostgreSQL nodes managed by Patroni with synchronous
# replication, and HAProxy in front that always routes to the current primary.
#
#   scripts/ha-cluster.sh start DIR
#       Creates everything in DIR (empty or missing; e.g. from mktemp -d) on free 127.0.0.1
#       ports: etcd, Patroni nodes node1 (the first primary) and node2 (its synchronous
#       standby) and HAProxy. Once a leader is elected, the standby streams and is the
#       synchronous standby and HAProxy routes to the leader, it creates the roles
#       venuedesk_owner (schema owner, CREATEDB) and venuedesk_app (no superuser, no
#       BYPASSRLS), gives the superuser postgres the password postgres, creates the database
#       venuedesk owned by venuedesk_owner, and prints ONE line to stdout, the owner's URL
#       through HAProxy:  postgres://venuedesk_owner:venuedesk_owner@127.0.0.1:PORT/venuedesk
#       The application role's URL is the same with venuedesk_app:venuedesk_app.
#       fsync and synchronous commits stay on: a commit is acknowledged only once the
#       standby has flushed it too.
#   scripts/ha-cluster.sh stop DIR
#       Stops HAProxy, both Patroni nodes and their PostgreSQL servers and etcd, and deletes
#       DIR. Safe when already stopped, when start failed half-way, or when DIR is gone.
#   scripts/ha-cluster.sh primary DIR
#       Prints the name of the current leader (node1 or node2); fails if there is none.
#   scripts/ha-cluster.sh kill-primary DIR
#       Sends SIGKILL to the current leader's postmaster (not to Patroni) and prints the
#       node's name. Patroni then fails over to the synchronous standby (typically within
#       5 s, see the timing notes in write_patroni_config), and the killed node comes back
#       as a replica of the new leader (after pg_rewind if its WAL went further).
#   scripts/ha-cluster.sh wait DIR [SECONDS]
#       Waits (default 60 s) until the cluster is whole again: a leader, the other node
#       streaming as its synchronous standby, HAProxy routing to the leader. Use it between
#       two kill-primary: while the killed node has not come back, a second kill cannot fail
#       over (there is nobody to fail over to) and PostgreSQL is restarted in place instead.
#   scripts/ha-cluster.sh status DIR
#       Human-readable state on stdout: `patronictl list` and HAProxy's view of the nodes.
#
# Everything but the URL (and the output of primary, kill-primary and status) goes to
# stderr. Logs: DIR/etcd.log, DIR/node1/patroni.log and DIR/node2/patroni.log (Patroni and
# its PostgreSQL server), DIR/haproxy.log. Ports: DIR/ports.env. Internal credentials
# (replication user, Patroni REST API): DIR/credentials, mode 0600.
# Assign the URL before exporting it, so that a failed start is not hidden by `export`:
#   dir="$(mktemp -d)"; trap 'scripts/ha-cluster.sh stop "$dir"' EXIT
#   url="$(scripts/ha-cluster.sh start "$dir")"; export VENUEDESK_TEST_DATABASE="$url"
#
# Needs the Debian packages patroni (which pulls in python3-etcd and python3-psycopg2),
# etcd-server, etcd-client, haproxy and postgresql-15. PostgreSQL refuses to run as root: as
# root, etcd, Patroni (and so PostgreSQL) and HAProxy all run as the `postgres` OS user;
# as any other user they run as that user. The HAProxy configuration a real deployment
# would use is docs/deploy/haproxy-patroni.cfg; this script writes the same shape with its
# own ports (plus a stats socket in DIR, which `status` and `wait` read).
set -euo pipefail

PG_BIN="${VENUEDESK_PG_BIN:-/usr/lib/postgresql/15/bin}"
MARKER=".venuedesk-ha-cluster"
SCOPE="venuedesk-ha"
NODES=(node1 node2)
# How long start and wait give each step.
TIMEOUT="${VENUEDESK_HA_TIMEOUT:-60}"

# stdout is kept for the URL alone (fd 3); everything else, ours or a tool's, goes to stderr.
exec 3>&1 1>&2

die() { echo "ha-cluster: $*" >&2; exit 1; }
say() { echo "ha-cluster: $*" >&2; }

usage() {
  echo "usage: scripts/ha-cluster.sh start DIR | stop DIR | primary DIR | kill-primary DIR | wait DIR [SECONDS] | status DIR" >&2
  exit 2
}

is_root() { [ "$(id -u)" -eq 0 ]; }

# Runs a program as the user that owns the cluster, from a directory that user can read,
# without fd 3: a server that inherited it would keep the caller's $(...) waiting for the
# end of stdout.
as_pg() {
  if is_root; then
    (cd / && runuser -u postgres -- "$@" 3>&-)
  else
    (cd / && "$@" 3>&-)
  fi
}

# spawn PIDFILE LOG PROGRAM ARGS...: starts a server in the background as the cluster's
# user, its output appended to LOG, and writes its pid to PIDFILE. setpriv and env exec (no
# fork, unlike runuser), so $! is the server's own pid.
spawn() {
  local pidfile="$1" log="$2"
  shift 2
  if is_root; then
    (cd / && exec setpriv --reuid=postgres --regid=postgres --init-groups -- \
      env HOME="$CLUSTER_DIR" "$@") </dev/null >>"$log" 2>&1 3>&- &
  else
    (cd / && exec env HOME="$CLUSTER_DIR" "$@") </dev/null >>"$log" 2>&1 3>&- &
  fi
  echo "$!" >"$pidfile"
  # Not a job of this shell: no "Killed" notice when stop_processes ends it.
  disown "$!"
}

abs_dir() {
  [ -n "$1" ] || usage
  local d
  d="$(realpath -m -- "$1")"
  [ "$d" != "/" ] || die "refusing to use / as the cluster directory"
  printf '%s\n' "$d"
}

# Small helpers that need JSON, HTTP or a unix socket. Python's standard library only.
PY_HELPER='
import json, socket, sys, urllib.error, urllib.request

def get(port, path):
    try:
        with urllib.request.urlopen("http://127.0.0.1:%s%s" % (port, path), timeout=2) as r:
            return r.status, r.read()
    except urllib.error.HTTPError as e:
        return e.code, b""
    except Exception:
        return None, b""

cmd, args = sys.argv[1], sys.argv[2:]
if cmd == "ports":
    # N distinct free loopback ports, all bound at once so that none is picked twice.
    socks = [socket.socket() for _ in range(int(args[0]))]
    for s in socks:
        s.bind(("127.0.0.1", 0))
    print(" ".join(str(s.getsockname()[1]) for s in socks))
elif cmd == "etcd-healthy":
    code, body = get(args[0], "/health")
    try:
        ok = code == 200 and json.loads(body).get("health") in ("true", True)
    except ValueError:
        ok = False
    sys.exit(0 if ok else 1)
elif cmd == "http-code":
    code, _ = get(args[0], args[1])
    print(code or 0)
elif cmd == "members":
    # One line per member (name role state timeline lag) as the first Patroni REST API
    # that answers sees the cluster.
    for port in args:
        code, body = get(port, "/cluster")
        if code != 200:
            continue
        for m in json.loads(body).get("members", []):
            print(m.get("name"), m.get("role"), m.get("state") or "-", m.get("timeline", "-"), m.get("lag", "-"))
        sys.exit(0)
    sys.exit(1)
elif cmd == "haproxy":
    # One line per server (name status) from the stats socket.
    s = socket.socket(socket.AF_UNIX)
    s.settimeout(2)
    try:
        s.connect(args[0])
        s.sendall(b"show stat\n")
        data = b""
        while True:
            chunk = s.recv(65536)
            if not chunk:
                break
            data += chunk
    except OSError:
        sys.exit(1)
    for line in data.decode(errors="replace").splitlines():
        f = line.split(",")
        if len(f) > 17 and f[0] == "postgres" and f[1] not in ("FRONTEND", "BACKEND"):
            print(f[1], f[17])
'
py() { python3 -c "$PY_HELPER" "$@" 3>&-; }

load_ports() {
  [ -f "$CLUSTER_DIR/ports.env" ] || die "$CLUSTER_DIR has no running cluster (no ports.env; was it started with scripts/ha-cluster.sh start?)"
  # shellcheck disable=SC1091
  . "$CLUSTER_DIR/ports.env"
}

api_port() { local v="API_PORT_${1#node}"; printf '%s\n' "${!v}"; }
pg_port() { local v="PG_PORT_${1#node}"; printf '%s\n' "${!v}"; }

# Whether the Patroni REST API on PORT answers GET /primary with 200.
api_is_primary() { [ "$(py http-code "$1" /primary)" = 200 ]; }

# The current leader's name on stdout, or nothing.
leader() {
  py members "$API_PORT_1" "$API_PORT_2" 2>/dev/null | awk '$2 == "leader" && $3 == "running" { print $1 }' || true
}

# Whether PID is a running (not zombie) process named NAME.
proc_alive() {
  local pid="$1" name="$2" state
  [ "$(cat "/proc/$pid/comm" 2>/dev/null || true)" = "$name" ] || return 1
  state="$(sed -n 's/^State:[[:space:]]*\([A-Z]\).*/\1/p' "/proc/$pid/status" 2>/dev/null || true)"
  [ -n "$state" ] && [ "$state" != "Z" ] && [ "$state" != "X" ]
}

# Whether the process with the pid in PIDFILE is alive.
pidfile_alive() {
  local pid
  pid="$(cat "$1" 2>/dev/null || true)"
  [[ "$pid" =~ ^[0-9]+$ ]] && [ -d "/proc/$pid" ] &&
    [ "$(sed -n 's/^State:[[:space:]]*\([A-Z]\).*/\1/p' "/proc/$pid/status" 2>/dev/null || true)" != "Z" ]
}

# The pid of NODE's postmaster if it is running, else nothing.
postmaster_pid() {
  local pid
  pid="$(head -n 1 "$CLUSTER_DIR/$1/data/postmaster.pid" 2>/dev/null || true)"
  if [[ "$pid" =~ ^[0-9]+$ ]] && proc_alive "$pid" postgres; then
    printf '%s\n' "$pid"
  fi
}

LOGS=()
show_logs() {
  local f
  for f in "${LOGS[@]}"; do
    [ -f "$f" ] || continue
    echo "--- last lines of $f" >&2
    tail -n 25 "$f" >&2 || true
  done
}

# A port taken by someone else between choosing and binding it shows in one of the logs.
bind_failed() {
  grep -qsiE 'address already in use|could not bind|cannot bind socket' \
    "$CLUSTER_DIR/etcd.log" "$CLUSTER_DIR/haproxy.log" "$CLUSTER_DIR"/node*/patroni.log
}

# The cluster is whole: a leader, the other node streaming as the synchronous standby
# (seen by Patroni and by the leader's pg_stat_replication), HAProxy sending connections to
# the leader only. Prints what is missing otherwise.
healthy() {
  local members lead other sync haproxy
  members="$(py members "$API_PORT_1" "$API_PORT_2" 2>/dev/null)" || { echo "no Patroni REST API answers"; return 1; }
  lead="$(awk '$2 == "leader" && $3 == "running" { print $1 }' <<<"$members")"
  [ -n "$lead" ] || { echo "no running leader yet"; return 1; }
  if [ "$lead" = node1 ]; then other=node2; else other=node1; fi
  awk -v n="$other" '$1 == n && $2 == "sync_standby" && ($3 == "running" || $3 == "streaming") { f = 1 } END { exit !f }' <<<"$members" ||
    { echo "$other is not the running synchronous standby yet ($(tr '\n' ';' <<<"$members"))"; return 1; }
  sync="$(as_pg "$PG_BIN/psql" -X -At -h "$CLUSTER_DIR/$lead" -p "$(pg_port "$lead")" -U postgres -d postgres -c \
    "SELECT count(*) FROM pg_stat_replication WHERE application_name = '$other' AND state = 'streaming' AND sync_state = 'sync'" 2>/dev/null || true)"
  [ "$sync" = "1" ] || { echo "$other does not stream synchronously from $lead yet"; return 1; }
  haproxy="$(py haproxy "$CLUSTER_DIR/haproxy.sock" 2>/dev/null | sort | tr '\n' ' ' || true)"
  if [ "$lead" = node1 ]; then
    [ "$haproxy" = "node1 UP node2 DOWN " ] || { echo "HAProxy does not route to node1 only yet ($haproxy)"; return 1; }
  else
    [ "$haproxy" = "node1 DOWN node2 UP " ] || { echo "HAProxy does not route to node2 only yet ($haproxy)"; return 1; }
  fi
  echo "$lead"
}

# Patroni's configuration of one node. The timing settings are cluster-wide ("dcs") and
# only used when the cluster is first bootstrapped.
write_patroni_config() {
  local node="$1" n="${1#node}" dir="$CLUSTER_DIR/$1"
  local api="API_PORT_$n" pg="PG_PORT_$n"
  cat >"$dir/patroni.yml" <<YAML
# Written by scripts/ha-cluster.sh
scope: $SCOPE
namespace: /service/
name: $node

log:
  level: INFO

restapi:
  listen: 127.0.0.1:${!api}
  connect_address: 127.0.0.1:${!api}
  # Only the unsafe endpoints (switchover, restart, reinitialize, ...) ask for it.
  authentication:
    username: patroni
    password: '$RESTAPI_PASSWORD'

etcd3:
  hosts: 127.0.0.1:$ETCD_CLIENT_PORT

bootstrap:
  dcs:
    # Failover timing. Killing the primary's postmaster (kill-primary) does not stop Patroni,
    # which keeps renewing the leader key, so it is not the ttl that ends the old primary's
    # leadership: within loop_wait Patroni notices PostgreSQL is gone and, because
    # primary_start_timeout is 0 and the synchronous standby is healthy, it releases the
    # leader key at once instead of restarting PostgreSQL in place (crash recovery would
    # keep the same primary; the default timeout of 300 s waits for that). The standby
    # watches the key, takes it and promotes; HAProxy sees /primary answer 200 on it after
    # one or two checks. Measured: about 3-6 s from SIGKILL to the first write accepted.
    # ttl bounds the case where the whole node (Patroni too) dies: its leader key expires
    # after at most ttl seconds, then the standby takes over (about 10-15 s in all).
    # Patroni wants loop_wait + 2 * retry_timeout <= ttl: retry_timeout is how long an
    # etcd or PostgreSQL call may be retried before the leader demotes itself for safety.
    ttl: 10
    loop_wait: 1
    retry_timeout: 4
    primary_start_timeout: 0
    # Only the synchronous standby (which has every acknowledged commit) may be promoted.
    # Not strict: while the standby is gone (e.g. the killed node has not come back yet)
    # the primary goes on accepting writes with no synchronous standby, rather than
    # blocking every commit until it returns.
    synchronous_mode: true
    synchronous_mode_strict: false
    maximum_lag_on_failover: 1048576
    postgresql:
      use_pg_rewind: true
      use_slots: true
      parameters:
        max_connections: 300
        shared_buffers: 32MB
        work_mem: 4MB
        maintenance_work_mem: 16MB
        max_wal_size: 256MB
        min_wal_size: 64MB
        wal_keep_size: 128MB
        max_wal_senders: 5
        max_replication_slots: 5
        wal_level: replica
        wal_log_hints: 'on'
        hot_standby: 'on'
        fsync: 'on'
        synchronous_commit: 'on'
        full_page_writes: 'on'
        password_encryption: scram-sha-256
  initdb:
    - encoding: UTF8
    - locale: C.UTF-8
    - username: postgres

postgresql:
  listen: 127.0.0.1:${!pg}
  connect_address: 127.0.0.1:${!pg}
  data_dir: $dir/data
  bin_dir: $PG_BIN
  pgpass: $dir/pgpass
  use_unix_socket: true
  # When pg_rewind cannot bring the old primary back in line, start it over from a copy of
  # the new primary instead of leaving it stopped.
  remove_data_directory_on_rewind_failure: true
  remove_data_directory_on_diverged_timelines: true
  authentication:
    superuser:
      username: postgres
      password: postgres
    replication:
      username: replicator
      password: '$REPLICATION_PASSWORD'
  parameters:
    unix_socket_directories: '$dir'
    unix_socket_permissions: '0700'
  # The socket in DIR/NODE (only its owner can reach it) is trusted; over 127.0.0.1 every
  # role needs its password, also for replication and pg_rewind.
  pg_hba:
    - local   all          all                       trust
    - host    replication  replicator  127.0.0.1/32  scram-sha-256
    - host    all          all         127.0.0.1/32  scram-sha-256

watchdog:
  mode: 'off'

tags:
  nofailover: false
  noloadbalance: false
  clonefrom: false
  nosync: false
YAML
  chmod 0600 "$dir/patroni.yml"
}

write_haproxy_config() {
  cat >"$CLUSTER_DIR/haproxy.cfg" <<CFG
# Written by scripts/ha-cluster.sh; see docs/deploy/haproxy-patroni.cfg for the deployment shape.
global
    log stdout format raw local0 info
    maxconn 1000
    stats socket $CLUSTER_DIR/haproxy.sock mode 600 level user

defaults
    mode tcp
    log global
    option tcplog
    timeout connect 2s
    timeout client 30m
    timeout server 30m
    timeout check 2s
    retries 3
    option redispatch 1

listen postgres
    bind 127.0.0.1:$HAPROXY_PORT
    option httpchk
    http-check send meth GET uri /primary ver HTTP/1.1 hdr Host venuedesk-ha
    http-check expect status 200
    default-server inter 1s fastinter 500ms downinter 500ms rise 2 fall 2 on-marked-down shutdown-sessions
    server node1 127.0.0.1:$PG_PORT_1 check port $API_PORT_1
    server node2 127.0.0.1:$PG_PORT_2 check port $API_PORT_2
CFG
}

# wait_until SECONDS WHAT PIDFILE... -- COMMAND...: runs COMMAND every 0.5 s until it
# succeeds. Fails (RETRY=1 when a port was taken) if a process in a PIDFILE exits or the
# time is up.
wait_until() {
  local seconds="$1" what="$2" deadline pf
  shift 2
  local -a pidfiles=()
  while [ "$1" != "--" ]; do pidfiles+=("$1"); shift; done
  shift
  deadline=$((SECONDS + seconds))
  while :; do
    if "$@" >/dev/null 2>&1; then return 0; fi
    if bind_failed; then RETRY=1; return 1; fi
    for pf in "${pidfiles[@]}"; do
      pidfile_alive "$pf" || { say "$(basename "$pf" .pid) exited while waiting for $what"; return 1; }
    done
    if [ "$SECONDS" -ge "$deadline" ]; then
      say "timed out after ${seconds}s waiting for $what"
      return 1
    fi
    sleep 0.5
  done
}

# Sets RETRY=1 (port conflict) or returns 1 on failure, so that set -e stays in force here.
start_attempt() {
  local d="$CLUSTER_DIR" node n
  RETRY=0
  read -r ETCD_CLIENT_PORT ETCD_PEER_PORT PG_PORT_1 API_PORT_1 PG_PORT_2 API_PORT_2 HAPROXY_PORT < <(py ports 7)
  cat >"$d/ports.env" <<ENV
ETCD_CLIENT_PORT=$ETCD_CLIENT_PORT
ETCD_PEER_PORT=$ETCD_PEER_PORT
PG_PORT_1=$PG_PORT_1
API_PORT_1=$API_PORT_1
PG_PORT_2=$PG_PORT_2
API_PORT_2=$API_PORT_2
HAPROXY_PORT=$HAPROXY_PORT
ENV

  say "starting etcd on 127.0.0.1:$ETCD_CLIENT_PORT"
  LOGS=("$d/etcd.log")
  spawn "$d/etcd.pid" "$d/etcd.log" etcd --name etcd0 --data-dir "$d/etcd" --logger zap \
    --listen-client-urls "http://127.0.0.1:$ETCD_CLIENT_PORT" \
    --advertise-client-urls "http://127.0.0.1:$ETCD_CLIENT_PORT" \
    --listen-peer-urls "http://127.0.0.1:$ETCD_PEER_PORT" \
    --initial-advertise-peer-urls "http://127.0.0.1:$ETCD_PEER_PORT" \
    --initial-cluster "etcd0=http://127.0.0.1:$ETCD_PEER_PORT" \
    --initial-cluster-state new --initial-cluster-token "$SCOPE-$$" \
    --quota-backend-bytes 268435456
  wait_until "$TIMEOUT" "etcd" "$d/etcd.pid" -- py etcd-healthy "$ETCD_CLIENT_PORT" || return 1

  for node in "${NODES[@]}"; do
    n="${node#node}"
    if is_root; then install -d -o postgres -g postgres -m 0700 "$d/$node"; else install -d -m 0700 "$d/$node"; fi
    write_patroni_config "$node"
    [ "$(id -u)" -ne 0 ] || chown postgres: "$d/$node/patroni.yml"
  done

  # node1 first, so that it bootstraps the cluster and is the first primary.
  say "starting Patroni node1 (PostgreSQL on 127.0.0.1:$PG_PORT_1, REST API on 127.0.0.1:$API_PORT_1)"
  LOGS=("$d/etcd.log" "$d/node1/patroni.log")
  spawn "$d/node1/patroni.pid" "$d/node1/patroni.log" patroni "$d/node1/patroni.yml"
  wait_until "$TIMEOUT" "node1 to bootstrap the cluster and become its leader" "$d/etcd.pid" "$d/node1/patroni.pid" -- \
    api_is_primary "$API_PORT_1" || return 1

  say "starting Patroni node2 (PostgreSQL on 127.0.0.1:$PG_PORT_2, REST API on 127.0.0.1:$API_PORT_2)"
  LOGS=("$d/etcd.log" "$d/node1/patroni.log" "$d/node2/patroni.log")
  spawn "$d/node2/patroni.pid" "$d/node2/patroni.log" patroni "$d/node2/patroni.yml"

  say "starting HAProxy on 127.0.0.1:$HAPROXY_PORT"
  write_haproxy_config
  LOGS+=("$d/haproxy.log")
  if ! as_pg haproxy -c -q -f "$d/haproxy.cfg" >"$d/haproxy-check.log" 2>&1; then
    cat "$d/haproxy-check.log" >&2
    return 1
  fi
  spawn "$d/haproxy.pid" "$d/haproxy.log" haproxy -f "$d/haproxy.cfg" -db

  say "waiting for node2 to stream as the synchronous standby and HAProxy to route to node1"
  wait_until "$TIMEOUT" "node2 to become the synchronous standby and HAProxy to route to node1" \
    "$d/etcd.pid" "$d/node1/patroni.pid" "$d/node2/patroni.pid" "$d/haproxy.pid" -- healthy || {
    say "last state: $(healthy || true)"
    return 1
  }
}

cmd_start() {
  local dir attempt lead
  dir="$(abs_dir "${1:-}")"
  [ $# -le 1 ] || usage
  CLUSTER_DIR="$dir"

  [ -x "$PG_BIN/initdb" ] || die "PostgreSQL 15 is not installed ($PG_BIN/initdb is missing);
  install the Debian package postgresql-15 (apt-get install postgresql-15)"
  command -v patroni >/dev/null 2>&1 || die "Patroni is not installed (apt-get install patroni)"
  command -v etcd >/dev/null 2>&1 || die "etcd is not installed (apt-get install etcd-server etcd-client)"
  command -v haproxy >/dev/null 2>&1 || die "HAProxy is not installed (apt-get install haproxy)"
  command -v python3 >/dev/null 2>&1 || die "python3 is needed (it comes with patroni)"
  # Patroni's own interpreter (its #! line), not whichever python3 comes first in PATH.
  local patroni_python
  patroni_python="$(sed -n '1s/^#![[:space:]]*//p' "$(command -v patroni)")"
  ${patroni_python:-python3} -c 'import etcd, psycopg2' 2>/dev/null ||
    die "Patroni's etcd and PostgreSQL drivers are missing for ${patroni_python:-python3} (apt-get install python3-etcd python3-psycopg2)"
  if is_root; then
    id postgres >/dev/null 2>&1 || die "running as root needs the OS user 'postgres' (created by the postgresql-15 package)"
    command -v setpriv >/dev/null 2>&1 || die "setpriv (util-linux) is needed to run the servers as postgres"
  fi

  mkdir -p -- "$dir"
  [ -z "$(ls -A -- "$dir")" ] || die "$dir is not empty; give start a new or empty directory"
  # The marker lets `stop` delete only directories this script created a cluster in.
  : >"$dir/$MARKER"
  chmod 0700 "$dir"
  if is_root; then
    chown postgres: "$dir" "$dir/$MARKER"
    runuser -u postgres -- test -w "$dir" ||
      die "the postgres user cannot write to $dir (is a parent directory closed to it?); use a directory under /tmp"
  fi
  # A unix socket path is limited to 107 bytes: DIR/nodeN/.s.PGSQL.PORT must fit.
  [ "${#dir}" -le 80 ] || die "$dir is too long for PostgreSQL's unix socket paths; use a shorter one (e.g. mktemp -d)"

  (
    umask 077
    REPLICATION_PASSWORD="$(od -An -N16 -tx1 /dev/urandom | tr -d ' \n')"
    RESTAPI_PASSWORD="$(od -An -N16 -tx1 /dev/urandom | tr -d ' \n')"
    {
      echo "# Credentials of the cluster in $dir (scripts/ha-cluster.sh)"
      echo "SUPERUSER=postgres"
      echo "SUPERUSER_PASSWORD=postgres"
      echo "REPLICATION_USER=replicator"
      echo "REPLICATION_PASSWORD=$REPLICATION_PASSWORD"
      echo "RESTAPI_USER=patroni"
      echo "RESTAPI_PASSWORD=$RESTAPI_PASSWORD"
    } >"$dir/credentials"
  )
  [ "$(id -u)" -ne 0 ] || chown postgres: "$dir/credentials"
  # shellcheck disable=SC1091
  . "$dir/credentials"

  # A free port can be taken by someone else between choosing and binding it: then start
  # over with other ports.
  for attempt in 1 2 3; do
    RETRY=0
    start_attempt && break
    if [ "$RETRY" -eq 1 ] && [ "$attempt" -lt 3 ]; then
      say "a port was taken meanwhile (attempt $attempt); starting over with other ports"
      stop_processes
      find "$dir" -mindepth 1 -maxdepth 1 ! -name "$MARKER" ! -name credentials -exec rm -rf -- {} +
      continue
    fi
    show_logs
    stop_processes
    die "the cluster did not start (logs in $dir; the processes are stopped, $dir is kept; scripts/ha-cluster.sh stop $dir deletes it)"
  done

  lead="$(leader)"
  say "leader $lead; creating roles venuedesk_owner, venuedesk_app, a superuser password and database venuedesk"
  if ! as_pg "$PG_BIN/psql" -X -q -v ON_ERROR_STOP=1 -h "$dir/$lead" -p "$(pg_port "$lead")" -U postgres -d postgres <<'SQL'
CREATE ROLE venuedesk_owner LOGIN CREATEDB NOSUPERUSER NOBYPASSRLS NOCREATEROLE NOREPLICATION PASSWORD 'venuedesk_owner';
CREATE ROLE venuedesk_app LOGIN NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE NOREPLICATION PASSWORD 'venuedesk_app';
CREATE DATABASE venuedesk OWNER venuedesk_owner;
-- Tests sign in as the bootstrap superuser too: to prove `serve` refuses one, and to read
-- every row past row-level security when checking what is stored at rest. (Patroni has
-- set this password already; kept so the roles read as in scripts/pg-cluster.sh.)
ALTER ROLE postgres PASSWORD 'postgres';
SQL
  then
    LOGS=("$dir/$lead/patroni.log")
    show_logs
    stop_processes
    die "creating the roles and the database failed (the processes are stopped; $dir is kept)"
  fi

  # The URL must lead to a writable primary through HAProxy.
  local url="postgres://venuedesk_owner:venuedesk_owner@127.0.0.1:$HAPROXY_PORT/venuedesk" ok=0
  for _ in $(seq 20); do
    if [ "$(PGCONNECT_TIMEOUT=3 "$PG_BIN/psql" 3>&- -X -At -d "$url" -c 'SELECT pg_is_in_recovery()' 2>/dev/null || true)" = "f" ]; then
      ok=1
      break
    fi
    sleep 0.5
  done
  if [ "$ok" -ne 1 ]; then
    LOGS=("$dir/haproxy.log" "$dir/node1/patroni.log" "$dir/node2/patroni.log")
    show_logs
    stop_processes
    die "the primary is not reachable through HAProxy at 127.0.0.1:$HAPROXY_PORT (the processes are stopped; $dir is kept)"
  fi

  say "ready in $dir: leader $lead, HAProxy on 127.0.0.1:$HAPROXY_PORT (scripts/ha-cluster.sh status $dir)"
  echo "$url" >&3
}

# Whether PID is a live process (a zombie waiting to be reaped has exited).
pid_alive() {
  [ -d "/proc/$1" ] && [ "$(sed -n 's/^State:[[:space:]]*\([A-Z]\).*/\1/p' "/proc/$1/status" 2>/dev/null || true)" != "Z" ]
}

# The pids of PID's descendants, children first.
descendants() {
  local child
  for child in $(ps -o pid= --ppid "$1" 2>/dev/null || true); do
    echo "$child"
    descendants "$child"
  done
}

# The cluster's processes, whatever started them: one of the servers' programs whose
# command line names something inside DIR, or whose working directory is inside DIR
# (PostgreSQL runs in its data directory: a postmaster, its children, and the single-user
# server initdb runs, whose command line does not name the directory).
cluster_pids() {
  local d="$CLUSTER_DIR" p pid comm cwd
  for p in /proc/[0-9]*; do
    pid="${p#/proc/}"
    [ "$pid" != "$$" ] || continue
    { read -r comm <"$p/comm"; } 2>/dev/null || continue
    case "$comm" in
      patroni | postgres | etcd | haproxy | pg_basebackup | pg_rewind | pg_ctl | initdb) ;;
      *) continue ;;
    esac
    pid_alive "$pid" || continue
    cwd="$(readlink "$p/cwd" 2>/dev/null || true)"
    if [[ "$cwd/" == "$d/"* ]] || { tr '\0' '\n' <"$p/cmdline"; } 2>/dev/null | grep -qF "$d/"; then
      echo "$pid"
    fi
  done
}

# Ends every process of the cluster in CLUSTER_DIR. Patroni goes first and at once
# (SIGKILL, with whatever it was running: initdb, pg_basebackup, pg_rewind), so that
# neither node reacts to the other's PostgreSQL going away by promoting or restarting;
# then PostgreSQL (immediate shutdown), HAProxy and etcd (SIGTERM); last, SIGKILL for
# anything of the cluster still running (e.g. from a start that was itself killed).
stop_processes() {
  local d="$CLUSTER_DIR" node pid pf data
  local -a kill_now=()
  for node in "${NODES[@]}"; do
    pid="$(cat "$d/$node/patroni.pid" 2>/dev/null || true)"
    if [[ "$pid" =~ ^[0-9]+$ ]] && grep -qF "$d/$node/patroni.yml" "/proc/$pid/cmdline" 2>/dev/null; then
      kill -STOP "$pid" 2>/dev/null || true
      mapfile -t -O "${#kill_now[@]}" kill_now < <(descendants "$pid")
      kill_now+=("$pid")
    fi
  done
  [ "${#kill_now[@]}" -eq 0 ] || kill -9 "${kill_now[@]}" 2>/dev/null || true
  for node in "${NODES[@]}"; do
    data="$d/$node/data"
    pid="$(head -n 1 "$data/postmaster.pid" 2>/dev/null || true)"
    if [[ "$pid" =~ ^[0-9]+$ ]] && proc_alive "$pid" postgres; then
      as_pg "$PG_BIN/pg_ctl" -D "$data" -m immediate -w -t 10 stop >/dev/null 2>&1 || true
    fi
  done
  for pf in "$d/haproxy.pid" "$d/etcd.pid"; do
    pid="$(cat "$pf" 2>/dev/null || true)"
    if [[ "$pid" =~ ^[0-9]+$ ]] && grep -qF "$d/" "/proc/$pid/cmdline" 2>/dev/null; then
      kill -TERM "$pid" 2>/dev/null || true
    fi
  done
  # Give HAProxy and etcd 5 s, then SIGKILL whatever of the cluster is left, until nothing is.
  local i left=()
  for i in $(seq 150); do
    mapfile -t left < <(cluster_pids)
    [ "${#left[@]}" -gt 0 ] || return 0
    if [ "$i" -ge 50 ] && [ $((i % 10)) -eq 0 ]; then kill -9 "${left[@]}" 2>/dev/null || true; fi
    sleep 0.1
  done
  die "processes of $d would not stop: ${left[*]}"
}

cmd_stop() {
  local dir
  dir="$(abs_dir "${1:-}")"
  [ $# -le 1 ] || usage
  CLUSTER_DIR="$dir"
  [ -e "$dir" ] || return 0
  if [ ! -e "$dir/$MARKER" ]; then
    # Not ours, or created by start before it wrote anything: only an empty one is removed.
    if [ -d "$dir" ] && [ -z "$(ls -A -- "$dir")" ]; then
      rmdir -- "$dir"
      return 0
    fi
    die "$dir was not created by scripts/ha-cluster.sh start (no $MARKER); not deleting it"
  fi
  stop_processes
  # The marker goes last, so that a stop that is interrupted can be run again. A process
  # that was ending may still have been writing: try again once.
  remove_contents "$dir" 2>/dev/null || { sleep 1; stop_processes; remove_contents "$dir"; }
  rm -rf -- "$dir"
}

remove_contents() {
  find "$1" -mindepth 1 -maxdepth 1 ! -name "$MARKER" -exec rm -rf -- {} +
}

# Commands on a running cluster.
open_cluster() {
  local dir
  dir="$(abs_dir "${1:-}")"
  CLUSTER_DIR="$dir"
  [ -e "$dir/$MARKER" ] || die "$dir is not a cluster of scripts/ha-cluster.sh start"
  load_ports
}

cmd_primary() {
  [ $# -eq 1 ] || usage
  open_cluster "$1"
  local lead
  lead="$(leader)"
  [ -n "$lead" ] || die "there is no running leader right now (scripts/ha-cluster.sh status $CLUSTER_DIR)"
  echo "$lead" >&3
}

cmd_kill_primary() {
  [ $# -eq 1 ] || usage
  open_cluster "$1"
  local lead pid
  lead="$(leader)"
  [ -n "$lead" ] || die "there is no running leader right now (scripts/ha-cluster.sh status $CLUSTER_DIR)"
  pid="$(postmaster_pid "$lead")"
  [ -n "$pid" ] || die "the leader $lead has no running postmaster ($CLUSTER_DIR/$lead/data/postmaster.pid)"
  kill -9 "$pid"
  say "sent SIGKILL to $lead's postmaster (pid $pid)"
  echo "$lead" >&3
}

cmd_wait() {
  if [ $# -lt 1 ] || [ $# -gt 2 ]; then usage; fi
  open_cluster "$1"
  local seconds="${2:-$TIMEOUT}" deadline state
  [[ "$seconds" =~ ^[0-9]+$ ]] || usage
  deadline=$((SECONDS + seconds))
  while :; do
    if state="$(healthy)"; then
      say "whole: leader $state, the other node is its synchronous standby, HAProxy routes to $state"
      return 0
    fi
    if [ "$SECONDS" -ge "$deadline" ]; then
      LOGS=("$CLUSTER_DIR/node1/patroni.log" "$CLUSTER_DIR/node2/patroni.log" "$CLUSTER_DIR/haproxy.log")
      show_logs
      die "the cluster is not whole after ${seconds}s: $state"
    fi
    sleep 0.5
  done
}

cmd_status() {
  [ $# -eq 1 ] || usage
  open_cluster "$1"
  {
    as_pg patronictl -c "$CLUSTER_DIR/node1/patroni.yml" list 2>&1 || echo "(patronictl list failed: is etcd running?)"
    echo "HAProxy on 127.0.0.1:$HAPROXY_PORT:"
    py haproxy "$CLUSTER_DIR/haproxy.sock" | sed 's/^/  /' || echo "  (HAProxy is not running)"
  } >&3
}

case "${1:-}" in
  start) shift; cmd_start "$@" ;;
  stop) shift; cmd_stop "$@" ;;
  primary) shift; cmd_primary "$@" ;;
  kill-primary) shift; cmd_kill_primary "$@" ;;
  wait) shift; cmd_wait "$@" ;;
  status) shift; cmd_status "$@" ;;
  *) usage ;;
esac
