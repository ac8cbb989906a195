#!/usr/bin/env bash
# The desktop console's release build: the UI (ui/dist) embedded through custom-protocol.
# Bundles (.deb, AppImage) need the Tauri CLI: `cargo install tauri-cli --version '^2'`
# then `cargo tauri build` (it runs the UI build and this same cargo build).
set -euo pipefail
cd "$(dirname "$0")/.."
[ -d ui/node_modules ] || npm ci --prefix ui --no-audit --no-fund
npm run --prefix ui build
cargo build --release -p venuedesk-console --features custom-protocol
echo "built target/release/venuedesk-console"
