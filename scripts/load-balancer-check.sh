#!/usr/bin/env bash
# Proves docs/deploy/haproxy.cfg works: three platform nodes on one throwaway PostgreSQL
# cluster (scripts/pg-cluster.sh) sharing one master key, behind HAProxy with that config.
# Through the load balancer: sign up, log in, create a venue and a booking, read the booking
# back; every node must have served requests. Then one node is killed (-9) and 20
# consecutive requests through the load balancer must all still succeed.
# Usage: scripts/load-balancer-check.sh [path/to/venuedesk-platform]   (default: target/debug)
set -euo pipefail
cd "$(dirname "$0")/.."

TARGET="${CARGO_TARGET_DIR:-$PWD/target}"
BIN="${1:-$TARGET/debug/venuedesk-platform}"
CONFIG="docs/deploy/haproxy.cfg"

say() { echo "== $*"; }
fail() {
  echo "load-balancer-check: FAILED: $*" >&2
  if [ -n "${WORK:-}" ] && [ -d "$WORK" ]; then
    for f in "$WORK"/*.log; do
      [ -f "$f" ] || continue
      echo "--- last lines of $(basename "$f")" >&2
      tail -n 20 "$f" >&2
    done
  fi
  exit 1
}

[ -x "$BIN" ] || fail "no platform binary at $BIN; build it first: cargo build -p venuedesk-platform"
command -v haproxy >/dev/null 2>&1 || fail "haproxy is not installed (apt-get install haproxy, or scripts/system-deps.sh)"
command -v curl >/dev/null 2>&1 || fail "curl is not installed"
command -v python3 >/dev/null 2>&1 || fail "python3 is not installed"

WORK="$(mktemp -d)"
PGDIR="$(mktemp -d)"
declare -A NODE_PID=()
HAPROXY_PID=""
cleanup() {
  local pid
  for pid in "${NODE_PID[@]}" $HAPROXY_PID; do
    kill "$pid" 2>/dev/null || true
  done
  for pid in "${NODE_PID[@]}" $HAPROXY_PID; do
    wait "$pid" 2>/dev/null || true
  done
  scripts/pg-cluster.sh stop "$PGDIR" || true
  rm -rf "$WORK"
}
trap cleanup EXIT

# --- database -------------------------------------------------------------------------
say "starting a throwaway PostgreSQL cluster"
OWNER_URL="$(scripts/pg-cluster.sh start "$PGDIR")" || fail "scripts/pg-cluster.sh start failed"
PG_PORT="${OWNER_URL##*:}"
PG_PORT="${PG_PORT%%/*}"
APP_URL="postgres://venuedesk_app:venuedesk_app@127.0.0.1:$PG_PORT/venuedesk"

say "migrating as venuedesk_owner"
"$BIN" --log-format json migrate --database "$OWNER_URL" >"$WORK/migrate.log" 2>&1 ||
  fail "migrate --database $OWNER_URL exited with $?"

# --- nodes ----------------------------------------------------------------------------
# One master key for every node: 32 raw bytes, readable only by us (the format of
# crates/platform/src/crypto/master_key.rs).
(umask 077 && head -c 32 /dev/urandom >"$WORK/master.key")

# Four distinct free loopback ports: three nodes and the load balancer.
read -r P1 P2 P3 LB_PORT < <(python3 -c '
import socket
socks = [socket.socket() for _ in range(4)]
for s in socks: s.bind(("127.0.0.1", 0))
print(" ".join(str(s.getsockname()[1]) for s in socks))')
NODE_PORT=([1]="$P1" [2]="$P2" [3]="$P3")
LB="http://127.0.0.1:$LB_PORT"

for i in 1 2 3; do
  "$BIN" --log-format json serve --database "$APP_URL" --listen "127.0.0.1:${NODE_PORT[$i]}" \
    --master-key-file "$WORK/master.key" --trusted-proxy 127.0.0.1 --auth-rate-limit 100000 \
    >"$WORK/node$i.log" 2>&1 &
  NODE_PID[$i]=$!
done
for i in 1 2 3; do
  up=0
  for _ in $(seq 300); do
    if curl -fsS "http://127.0.0.1:${NODE_PORT[$i]}/healthz" >/dev/null 2>&1; then up=1; break; fi
    kill -0 "${NODE_PID[$i]}" 2>/dev/null || fail "node$i exited during start-up (see node$i.log)"
    sleep 0.1
  done
  [ "$up" -eq 1 ] || fail "node$i did not answer /healthz on 127.0.0.1:${NODE_PORT[$i]} within 30 s"
  code="$(curl -sS -o /dev/null -w '%{http_code}' "http://127.0.0.1:${NODE_PORT[$i]}/readyz" || true)"
  [ "$code" = "200" ] || fail "node$i answers /readyz with $code, expected 200"
done
say "three nodes up on ports $P1 $P2 $P3"

# --- load balancer --------------------------------------------------------------------
# As root HAProxy drops to the haproxy user in a chroot (as in production); as anyone
# else it cannot, so those lines are left out.
HCFG="$CONFIG"
if [ "$(id -u)" -ne 0 ]; then
  HCFG="$WORK/haproxy.cfg"
  grep -Ev '^[[:space:]]*(user|group|chroot)[[:space:]]' "$CONFIG" >"$HCFG"
fi
export LB_BIND="127.0.0.1:$LB_PORT" NODE1="127.0.0.1:$P1" NODE2="127.0.0.1:$P2" NODE3="127.0.0.1:$P3"
haproxy -c -q -f "$HCFG" >"$WORK/haproxy-check.log" 2>&1 || fail "haproxy -c rejects $CONFIG (see haproxy-check.log)"
haproxy -f "$HCFG" -db >"$WORK/haproxy.log" 2>&1 &
HAPROXY_PID=$!
up=0
for _ in $(seq 150); do
  if [ "$(curl -sS -o /dev/null -w '%{http_code}' "$LB/readyz" 2>/dev/null || true)" = "200" ]; then up=1; break; fi
  kill -0 "$HAPROXY_PID" 2>/dev/null || fail "haproxy exited (see haproxy.log)"
  sleep 0.1
done
[ "$up" -eq 1 ] || fail "the load balancer did not answer GET /readyz with 200 within 15 s"
say "load balancer up at $LB"

# --- API through the load balancer ----------------------------------------------------
# api METHOD PATH EXPECTED_STATUS [JSON_BODY]: the body of the answer on stdout.
TOKEN=""
api() {
  local method="$1" path="$2" expected="$3" body="${4:-}" code
  local -a args=(-sS -X "$method" -o "$WORK/answer" -w '%{http_code}' -H 'content-type: application/json')
  [ -z "$TOKEN" ] || args+=(-H "authorization: Bearer $TOKEN")
  if [ "$method" != "GET" ]; then args+=(-H "idempotency-key: lb-check-$RANDOM-$RANDOM"); fi
  [ -z "$body" ] || args+=(-d "$body")
  code="$(curl "${args[@]}" "$LB$path" 2>"$WORK/curl.err")" || code="curl error: $(cat "$WORK/curl.err")"
  [ "$code" = "$expected" ] || fail "$method $path through the load balancer: $code, expected $expected: $(head -c 500 "$WORK/answer" 2>/dev/null)"
  cat "$WORK/answer"
}
json_field() { python3 -c 'import json,sys; print(json.load(sys.stdin)[sys.argv[1]])' "$1"; }

EMAIL="lb-check@example.com"; PASSWORD="Balancing-Harbour-Lantern-42!"
api POST /v1/auth/signup 201 "{\"email\":\"$EMAIL\",\"password\":\"$PASSWORD\",\"display_name\":\"LB Check\"}" >/dev/null
TOKEN="$(api POST /v1/auth/login 200 "{\"email\":\"$EMAIL\",\"password\":\"$PASSWORD\"}" | json_field access_token)"
VID="$(api POST /v1/venues 201 '{"name":"Balanced Bistro","timezone":"Europe/London","capacity":40}' | json_field id)"
STARTS_AT="$(date -u -d 'tomorrow 19:00' +%Y-%m-%dT%H:%M:%SZ)"
BID="$(api POST "/v1/venues/$VID/bookings" 201 \
  "{\"guest_name\":\"Ada\",\"party_size\":4,\"starts_at\":\"$STARTS_AT\",\"duration_minutes\":90}" | json_field id)"
say "signed up, logged in, created venue $VID and booking $BID"

# Health checks start before the nodes are marked up: keep reading the booking (each node
# must see what another wrote) until every node has served an API request, at most 30 s.
per_node() {
  # Access-log lines (json) with an API route, per node.
  local i
  for i in 1 2 3; do
    python3 - "$WORK/node$i.log" <<'PY'
import json, sys
n = 0
for line in open(sys.argv[1], errors="replace"):
    try:
        e = json.loads(line)
    except ValueError:
        continue
    if e.get("message") == "request" and str(e.get("route", "")).startswith("/v1/"):
        n += 1
print(n)
PY
  done | paste -sd' '
}
reads=0; counts=""; all=0
for _ in $(seq 30); do
  for _ in 1 2 3 4 5 6; do
    api GET "/v1/venues/$VID/bookings/$BID" 200 >/dev/null
    reads=$((reads + 1))
  done
  read -r c1 c2 c3 <<<"$(per_node)"
  counts="node1=$c1 node2=$c2 node3=$c3"
  if [ "$c1" -gt 0 ] && [ "$c2" -gt 0 ] && [ "$c3" -gt 0 ]; then all=1; break; fi
  sleep 1
done
[ "$all" -eq 1 ] || fail "API requests did not reach every node after $reads reads (requests per node: $counts)"
say "$reads reads of the booking succeeded; API requests per node: $counts"

# --- failover -------------------------------------------------------------------------
# Killed without warning: until the health checks mark it down, HAProxy's connection
# attempts to it fail and are retried on another node (retry-on conn-failure, redispatch).
kill -9 "${NODE_PID[2]}"
wait "${NODE_PID[2]}" 2>/dev/null || true
unset 'NODE_PID[2]'
say "killed node2 (-9)"
ok=0
for n in $(seq 20); do
  api GET "/v1/venues/$VID/bookings/$BID" 200 >/dev/null || fail "request $n after killing node2 failed"
  ok=$((ok + 1))
done
read -r c1 _ c3 <<<"$(per_node)"
# HAProxy's log marks a request sent again to another node with "+N" retries.
redispatched="$(grep -cE ' [0-9]+/[0-9]+/[0-9]+/[0-9]+/\+[0-9]+ ' "$WORK/haproxy.log" || true)"

echo
echo "load-balancer-check: OK"
echo "  3 nodes on one PostgreSQL database, behind haproxy with $CONFIG"
echo "  sign-up, login, venue and booking created through the load balancer"
echo "  every node served API requests ($counts)"
echo "  node2 killed with -9: $ok/20 consecutive requests succeeded (now node1=$c1 node3=$c3;
  $redispatched of them redispatched by haproxy after a refused connection to node2)"
