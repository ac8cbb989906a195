#!/usr/bin/env bash
# Checks for (and, as root or with sudo, installs) the Debian/Ubuntu packages the build and
# tests need. Sourced by run-demo.sh and test.sh; safe to run on its own.
set -euo pipefail

# Building: a C compiler for ring and the bundled SQLite/SQLCipher, pkg-config, libdbus for
# the keychain crate and libcrypto (libssl-dev) for SQLCipher. Testing the real keychain: a D-Bus session, GNOME Keyring, secret-tool.
# The PostgreSQL backend: PostgreSQL 15 for the throwaway clusters of scripts/pg-cluster.sh
# (installing it may start Debian's own cluster on 5432; it is never used) and HAProxy for
# scripts/load-balancer-check.sh. Operations: Debian's `age` opens our backups in the tests;
# pgBackRest for the point-in-time recovery drill (scripts/pitr-cluster.sh); Patroni and etcd
# for the failover drill (scripts/ha-cluster.sh).
VENUEDESK_APT_PACKAGES=(build-essential pkg-config ca-certificates curl libdbus-1-dev libssl-dev dbus-daemon gnome-keyring libsecret-tools
  postgresql-15 haproxy age pgbackrest patroni etcd-server etcd-client)
# The desktop console: WebKitGTK and friends to build it; Xvfb, WebKitWebDriver and xdotool
# (answers the native save dialog) to drive the real window; Chromium for the UI's
# accessibility checks. Installed with their recommended packages (fonts, GL, codecs),
# as on the machine the tests were written on.
VENUEDESK_DESKTOP_PACKAGES=(libwebkit2gtk-4.1-dev libsoup-3.0-dev libjavascriptcoregtk-4.1-dev libgtk-3-dev
  librsvg2-dev libayatana-appindicator3-dev libxdo-dev xvfb xauth webkit2gtk-driver dbus dbus-x11 keyutils
  xdotool chromium)

missing=()
for pkg in "${VENUEDESK_APT_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
missing_desktop=()
for pkg in "${VENUEDESK_DESKTOP_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing_desktop+=("$pkg")
done

if [ "${#missing[@]}" -gt 0 ] || [ "${#missing_desktop[@]}" -gt 0 ]; then
  echo "venuedesk: installing system packages: ${missing[*]} ${missing_desktop[*]}"
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
  if [ "${#missing[@]}" -gt 0 ]; then
    $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
  fi
  if [ "${#missing_desktop[@]}" -gt 0 ]; then
    $SUDO apt-get install -y -qq "${missing_desktop[@]}"
  fi
fi

if ! command -v npm >/dev/null 2>&1; then
  echo "venuedesk: Node.js 20 or newer with npm is needed for the desktop UI (ui/)." >&2
  exit 1
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
