#!/usr/bin/env bash
# Fuzzes the running platform from its own /openapi.json with schemathesis, signed in with
# a real token: no 5xx, and no status, content type or body that the document does not
# describe. Runs a fresh platform on a free loopback port with a throwaway database.
# Usage: scripts/schemathesis.sh [path/to/venuedesk-platform]   (default: target/debug)
set -euo pipefail
cd "$(dirname "$0")/.."

TARGET="${CARGO_TARGET_DIR:-$PWD/target}"
BIN="${1:-$TARGET/debug/venuedesk-platform}"
[ -x "$BIN" ] || { echo "build the platform first: cargo build -p venuedesk-platform" >&2; exit 1; }

# schemathesis from PyPI, pinned, in its own virtual environment under target/.
VENV="$TARGET/tools/schemathesis"
ST_VERSION=4.32.5
if [ ! -x "$VENV/bin/schemathesis" ] || ! "$VENV/bin/schemathesis" --version | grep -q "$ST_VERSION"; then
  echo "== installing schemathesis $ST_VERSION into target/tools"
  python3 -m venv "$VENV"
  "$VENV/bin/pip" install --quiet "schemathesis==$ST_VERSION"
fi

WORK="$(mktemp -d)"
PORT="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')"
BASE="http://127.0.0.1:$PORT"
"$BIN" serve --listen "127.0.0.1:$PORT" --database "sqlite://$WORK/platform.db" \
  --master-key-file "$WORK/master.key" --auth-rate-limit 100000 >"$WORK/platform.log" 2>&1 &
PID=$!
cleanup() { kill "$PID" 2>/dev/null || true; wait "$PID" 2>/dev/null || true; rm -rf "$WORK"; }
trap cleanup EXIT
for _ in $(seq 100); do curl -fsS "$BASE/healthz" >/dev/null 2>&1 && break; sleep 0.1; done

# A real account and venue, so bearer routes are exercised past authentication.
EMAIL="fuzz@example.com"; PASSWORD="Fuzzing-Harbour-Lantern-42!"
curl -fsS -X POST "$BASE/v1/auth/signup" -H 'content-type: application/json' \
  -d "{\"email\":\"$EMAIL\",\"password\":\"$PASSWORD\",\"display_name\":\"Fuzz\"}" >/dev/null
TOKEN="$(curl -fsS -X POST "$BASE/v1/auth/login" -H 'content-type: application/json' \
  -d "{\"email\":\"$EMAIL\",\"password\":\"$PASSWORD\"}" | python3 -c 'import json,sys; print(json.load(sys.stdin)["access_token"])')"
VID="$(curl -fsS -X POST "$BASE/v1/venues" -H "authorization: Bearer $TOKEN" -H "idempotency-key: fuzz-venue" \
  -H 'content-type: application/json' -d '{"name":"Fuzz Bistro","timezone":"Europe/London","capacity":40}' \
  | python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])')"
# Every venue route is fuzzed inside that venue (as its owner), not only against unknown ids.
cat >"$WORK/schemathesis.toml" <<TOML
[parameters]
"path.vid" = "$VID"
TOML

# Signing this session out (logout, or revoking it by the id the sessions list shows)
# would turn every later answer into 401: both are left out.
"$VENV/bin/schemathesis" --config-file "$WORK/schemathesis.toml" run "$BASE/openapi.json" \
  --header "Authorization: Bearer $TOKEN" \
  --checks not_a_server_error,status_code_conformance,content_type_conformance \
  --exclude-path /v1/auth/logout --exclude-path '/v1/auth/sessions/{id}' \
  --phases examples,coverage,fuzzing \
  --max-examples "${SCHEMATHESIS_EXAMPLES:-25}" \
  --seed 20261202 \
  --workers 2 \
  --request-timeout 20 \
  --no-color \
  --suppress-health-check all
