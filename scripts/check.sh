#!/usr/bin/env bash
# The fast check while working (a few minutes once built): formatting, lints, the UI's
# lint and type check, and the unit tests. The full test command is scripts/test.sh.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo fmt --all -- --check
cargo clippy --workspace --all-targets -- -D warnings
npm run --prefix ui lint
npm run --prefix ui check
cargo nextest run --workspace --lib --bins
