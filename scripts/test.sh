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
