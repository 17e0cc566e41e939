#!/usr/bin/env bash
# The whole test suite: formatting, lints, then every unit, integration and doc test.
# Installs nothing today beyond the Rust toolchain; services later tests need are installed here.
set -euo pipefail
cd "$(dirname "$0")/.."

if ! command -v cargo >/dev/null; then
  echo "cargo not found: install Rust from https://rustup.rs" >&2
  exit 1
fi
rustup component add rustfmt clippy >/dev/null 2>&1 || true

cargo fmt --all -- --check
cargo clippy --workspace --all-targets --locked -- -D warnings
cargo test --workspace --locked
