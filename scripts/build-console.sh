#!/usr/bin/env bash
# The desktop console as shipped: the UI (ui/dist) embedded through custom-protocol, built
# with the small `desktop` profile (size-optimised, fat LTO, stripped).
# Bundles (.deb, AppImage) need the Tauri CLI: `cargo install tauri-cli --version '^2'`
# then `cargo tauri build` (it runs the UI build and a `release`-profile cargo build).
set -euo pipefail
cd "$(dirname "$0")/.."
[ -d ui/node_modules ] || npm ci --prefix ui --no-audit --no-fund
npm run --prefix ui build
cargo build --profile desktop -p venuedesk-console --features custom-protocol
echo "built ${CARGO_TARGET_DIR:-target}/desktop/venuedesk-console"
