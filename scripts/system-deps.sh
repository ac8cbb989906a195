#!/usr/bin/env bash
# Checks for (and, as root or with sudo, installs) the Debian/Ubuntu packages the build and
# tests need. Sourced by run-demo.sh and test.sh; safe to run on its own.
set -euo pipefail

# Building: a C compiler for ring and the bundled SQLite/SQLCipher, pkg-config, libdbus for
# the keychain crate and libcrypto (libssl-dev) for SQLCipher. Testing the real keychain: a D-Bus session, GNOME Keyring, secret-tool.
VENUEDESK_APT_PACKAGES=(build-essential pkg-config ca-certificates curl libdbus-1-dev libssl-dev dbus-daemon gnome-keyring libsecret-tools)

missing=()
for pkg in "${VENUEDESK_APT_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done

if [ "${#missing[@]}" -gt 0 ]; then
  echo "venuedesk: installing system packages: ${missing[*]}"
  if [ "$(id -u)" -eq 0 ]; then
    SUDO=""
  elif command -v sudo >/dev/null 2>&1; then
    SUDO="sudo"
  else
    echo "venuedesk: please install as root: apt-get install -y ${missing[*]}" >&2
    exit 1
  fi
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

if ! command -v cargo >/dev/null 2>&1; then
  if [ -x "$HOME/.cargo/bin/cargo" ]; then
    export PATH="$HOME/.cargo/bin:$PATH"
  else
    echo "venuedesk: Rust is not installed. Install it with rustup (https://rustup.rs), version 1.94 or newer," >&2
    echo "           then run this command again." >&2
    exit 1
  fi
fi

rust_minor=$(rustc --version | sed -E 's/rustc 1\.([0-9]+).*/\1/')
if [ "${rust_minor:-0}" -lt 94 ]; then
  echo "venuedesk: Rust 1.94 or newer is needed, found $(rustc --version); run: rustup update stable" >&2
  exit 1
fi
