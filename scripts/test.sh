#!/usr/bin/env bash
# Every test: formatting, lints, unit tests and the whole-system tests (each starts a real
# platform on a loopback port). CI runs exactly this.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/system-deps.sh

rustup component list --installed 2>/dev/null | grep -q '^rustfmt' || rustup component add rustfmt clippy

echo "== cargo fmt --check"
cargo fmt --all -- --check
echo "== cargo clippy --all-targets -- -D warnings"
cargo clippy --workspace --all-targets -- -D warnings
echo "== cargo test"
cargo test --workspace
echo "== the real OS keychain: Secret Service (GNOME Keyring) in a private D-Bus session"
dbus-run-session -- bash -c '
  set -euo pipefail
  # A throwaway login keyring in a temporary data directory, unlocked for this session
  # (an empty password would make the daemon prompt on a display).
  XDG_DATA_HOME="$(mktemp -d)"
  export XDG_DATA_HOME
  eval "$(printf "venuedesk-ci" | gnome-keyring-daemon --unlock --components=secrets 2>/dev/null)"
  cargo test -p venuedesk-console-core --test os_keychain -- --ignored
  cargo test -p venuedesk-cli --test cli -- --ignored
'
