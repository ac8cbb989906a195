#!/usr/bin/env bash
# The desktop console benchmark (examples/desktop_bench.rs) in the same setting as the
# end-to-end test: the release build under Xvfb, a real keychain in a private D-Bus session.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/system-deps.sh
./scripts/build-console.sh
cargo build --release -p venuedesk-console --example desktop-bench
export TARGET="${CARGO_TARGET_DIR:-$PWD/target}"
[ -x "$TARGET/tools/bin/tauri-driver" ] || cargo install tauri-driver --locked --root "$TARGET/tools" --quiet
dbus-run-session -- bash -c '
  set -euo pipefail
  XDG_DATA_HOME="$(mktemp -d)"; export XDG_DATA_HOME
  eval "$(printf "venuedesk-bench" | gnome-keyring-daemon --unlock --components=secrets 2>/dev/null)"
  export VENUEDESK_CONSOLE_BIN=$TARGET/desktop/venuedesk-console TAURI_DRIVER=$TARGET/tools/bin/tauri-driver
  export WEBKIT_DISABLE_DMABUF_RENDERER=1 WEBKIT_DISABLE_COMPOSITING_MODE=1 LIBGL_ALWAYS_SOFTWARE=1
  xvfb-run -a -s "-screen 0 1280x800x24" "$TARGET/release/examples/desktop-bench"
'
