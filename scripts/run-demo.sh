#!/usr/bin/env bash
# The main job: the platform with its demo venue on an embedded SQLite file, and the
# desktop console pointed at it. Data and the master key live in ./venuedesk-data; the
# console keeps its data in ./venuedesk-data/console and its secrets in the OS keychain.
# Without a display only the platform runs. Extra arguments go to `serve`.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/system-deps.sh
cargo build --release -p venuedesk-platform --bin venuedesk-platform
TARGET="${CARGO_TARGET_DIR:-$PWD/target}"

if [ -z "${DISPLAY:-}${WAYLAND_DISPLAY:-}" ] || [ -n "${VENUEDESK_NO_CONSOLE:-}" ]; then
  echo "venuedesk: no display, so only the platform runs (the console needs a desktop session)."
  exec "$TARGET/release/venuedesk-platform" serve --demo "$@"
fi

./scripts/build-console.sh
"$TARGET/release/venuedesk-platform" serve --demo "$@" &
platform=$!
trap 'kill "$platform" 2>/dev/null || true' EXIT
for _ in $(seq 1 100); do
  curl -fsS http://127.0.0.1:8080/healthz >/dev/null 2>&1 && break
  kill -0 "$platform" 2>/dev/null || { echo "venuedesk: the platform did not start" >&2; exit 1; }
  sleep 0.2
done
echo "venuedesk: opening the console; sign in with a demo account above (e.g. frontdesk@demo.venuedesk.test)."
VENUEDESK_SERVER="${VENUEDESK_SERVER:-http://127.0.0.1:8080}" \
VENUEDESK_DATA_DIR="${VENUEDESK_DATA_DIR:-$PWD/venuedesk-data/console}" \
  "$TARGET/desktop/venuedesk-console"
