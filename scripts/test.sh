#!/usr/bin/env bash
# Every test: formatting, lints, the UI's checks and tests, unit tests, the whole-system
# tests (each starts a real platform on a loopback port), the real OS keychain, and the
# desktop console end to end in a real window. CI runs exactly this.
set -euo pipefail
cd "$(dirname "$0")/.."
# rust-toolchain.toml pins the toolchain by number. Where the installed stable is that
# version but rustup does not know it by number (and cannot download it), it is the same
# toolchain: name it, as rustup names an installed release (nothing is downloaded).
pinned="$(sed -n 's/^channel = "\(.*\)"/\1/p' rust-toolchain.toml)"
if command -v rustup >/dev/null 2>&1 && ! (cd / && rustup toolchain list) | grep -q "^$pinned"; then
  stable_root="$(cd / && rustup run stable rustc --print sysroot 2>/dev/null || true)"
  if [ -n "$stable_root" ] && "$stable_root/bin/rustc" --version | grep -q "^rustc $pinned "; then
    ln -s "$stable_root" "$(dirname "$stable_root")/$pinned-$(basename "$stable_root" | sed 's/^stable-//')"
  fi
fi
source scripts/system-deps.sh

rustup component list --installed 2>/dev/null | grep -q '^rustfmt' || rustup component add rustfmt clippy

echo "== ui: install, lint, type check, unit tests, accessibility (headless Chromium + axe)"
if [ -n "${CI:-}" ] || [ ! -d ui/node_modules ]; then
  PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --prefix ui --no-audit --no-fund
fi
npm run --prefix ui lint
npm run --prefix ui check
npm run --prefix ui test
npm run --prefix ui test:a11y
npm run --prefix ui build

echo "== cargo fmt --check"
cargo fmt --all -- --check
echo "== cargo clippy --all-targets -- -D warnings"
cargo clippy --workspace --all-targets -- -D warnings
echo "== tests: unit and whole-system (every workspace test binary, built once, run by cargo-nextest)"
command -v cargo-nextest >/dev/null 2>&1 || cargo install cargo-nextest --locked --quiet
# One build for everything below, the desktop console included: its binary embeds the UI
# built above (custom-protocol), so the real-window test drives the app as shipped, from
# this same build (a separate release build of the app took ~15 minutes on two cores).
FEATURES=(--features venuedesk-console/custom-protocol)
echo "   (on SQLite, the embedded default)"
cargo nextest run --workspace "${FEATURES[@]}" --no-fail-fast

echo "== the same whole-system tests on PostgreSQL 15 (a throwaway cluster), plus what only it needs"
PG_DIR="$(mktemp -d /tmp/venuedesk-pg.XXXXXX)"
stop_postgres() { scripts/pg-cluster.sh stop "$PG_DIR" >/dev/null 2>&1 || true; }
trap stop_postgres EXIT
PG_URL="$(scripts/pg-cluster.sh start "$PG_DIR")"
export VENUEDESK_TEST_DATABASE="$PG_URL"
# Every integration test binary but the keychain and window ones (run below), with the
# PostgreSQL-only tests (ignored on SQLite) included.
cargo nextest run --workspace "${FEATURES[@]}" --no-fail-fast --run-ignored all \
  -E 'kind(test) & !binary(os_keychain) & !binary(cli) & !binary(desktop_e2e) & !binary(drills)'
echo "== operations drills: point-in-time recovery with pgBackRest, failover under Patroni behind HAProxy (their own clusters)"
cargo nextest run --workspace "${FEATURES[@]}" --no-fail-fast --run-ignored ignored-only -E 'binary(drills)'
echo "== several nodes behind HAProxy (docs/deploy/haproxy.cfg) on PostgreSQL"
./scripts/load-balancer-check.sh target/debug/venuedesk-platform
unset VENUEDESK_TEST_DATABASE
echo "== the UI's TypeScript types are the ones generated from Rust (ts-rs, during the tests)"
git diff --exit-code -- ui/src/lib/bindings
if [ -n "$(git status --porcelain -- ui/src/lib/bindings)" ]; then
  echo "ui/src/lib/bindings has files not in git: commit the generated types" >&2
  exit 1
fi
echo "== schemathesis: the running platform fuzzed from its own /openapi.json, with a real token"
./scripts/schemathesis.sh target/debug/venuedesk-platform
echo "== the real OS keychain and the real window: a private D-Bus session with GNOME Keyring"
PG_URL="$PG_URL" dbus-run-session -- bash -c '
  set -euo pipefail
  # A throwaway login keyring in a temporary data directory, unlocked for this session
  # (an empty password would make the daemon prompt on a display).
  XDG_DATA_HOME="$(mktemp -d)"
  export XDG_DATA_HOME
  eval "$(printf "venuedesk-ci" | gnome-keyring-daemon --unlock --components=secrets 2>/dev/null)"
  # From the same build as above: only the tests that need the keychain (marked ignored).
  cargo nextest run --workspace --features venuedesk-console/custom-protocol --no-fail-fast --run-ignored ignored-only -E "binary(os_keychain) | binary(cli)"
  echo "   (the keychain and CLI tests again, their platform on PostgreSQL)"
  VENUEDESK_TEST_DATABASE="$PG_URL" \
    cargo nextest run --workspace --features venuedesk-console/custom-protocol --no-fail-fast --run-ignored ignored-only -E "binary(os_keychain) | binary(cli)"
  ./scripts/e2e.sh
'
