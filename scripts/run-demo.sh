#!/usr/bin/env bash
# The main job: the platform on an embedded SQLite file, with a demo account printed at
# start. Data and the master key live in ./venuedesk-data. Extra arguments go to `serve`.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/system-deps.sh
cargo build --release -p venuedesk-platform --bin venuedesk-platform
exec ./target/release/venuedesk-platform serve --demo "$@"
