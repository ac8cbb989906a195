#!/usr/bin/env bash
# The desktop console end to end: the app with its UI embedded (custom-protocol) in a
# real window under Xvfb, its secrets in a real GNOME Keyring inside a private D-Bus
# session, driven over WebDriver by tauri-driver + WebKitWebDriver. Expects to run inside
# `dbus-run-session` with the keyring unlocked (scripts/test.sh does that).
set -euo pipefail
cd "$(dirname "$0")/.."

TARGET="${CARGO_TARGET_DIR:-$PWD/target}"
TOOLS="$TARGET/tools"
if [ ! -x "$TOOLS/bin/tauri-driver" ]; then
  echo "== installing tauri-driver into target/tools"
  cargo install tauri-driver --locked --root "$TOOLS" --quiet
fi
export TAURI_DRIVER="$TOOLS/bin/tauri-driver"
# The test build's app (scripts/test.sh builds it with the UI embedded); another one, such
# as the size-optimised `desktop` profile of scripts/build-console.sh, can be named.
export VENUEDESK_CONSOLE_BIN="${VENUEDESK_CONSOLE_BIN:-$TARGET/debug/venuedesk-console}"
[ -x "$VENUEDESK_CONSOLE_BIN" ] || { echo "build it first: cargo build --features venuedesk-console/custom-protocol" >&2; exit 1; }
# Software rendering: there is no GPU under Xvfb.
export WEBKIT_DISABLE_DMABUF_RENDERER=1 WEBKIT_DISABLE_COMPOSITING_MODE=1 LIBGL_ALWAYS_SOFTWARE=1
xvfb-run -a -s "-screen 0 1280x800x24" \
  cargo nextest run --workspace --features venuedesk-console/custom-protocol --run-ignored ignored-only --no-capture -E 'binary(desktop_e2e)'
