#!/usr/bin/env bash
# The whole test suite: formatting, lints, then every unit, integration and doc test.
# Installs what the tests need when it is missing: redis-server, PostgreSQL, Chromium and its
# WebDriver from the OS packages (the tests start their own servers, browsers and drivers on
# free ports in temp dirs; nothing needs to run).
set -euo pipefail
cd "$(dirname "$0")/.."

if ! command -v cargo >/dev/null; then
  echo "cargo not found: install Rust from https://rustup.rs" >&2
  exit 1
fi
rustup component add rustfmt clippy >/dev/null 2>&1 || true

# Packages the tests' own servers come from.
missing=()
command -v redis-server >/dev/null || missing+=(redis-server)
compgen -G "/usr/lib/postgresql/*/bin/initdb" >/dev/null || missing+=(postgresql)
# The console's browser tests (tests/console.rs): headless Chromium over WebDriver.
[ -x /usr/bin/chromium ] || missing+=(chromium)
[ -x /usr/bin/chromedriver ] || missing+=(chromium-driver)
if ((${#missing[@]})); then
  echo "installing ${missing[*]} from the OS packages" >&2
  sudo=()
  if [ "$(id -u)" != 0 ]; then sudo=(sudo -n); fi
  export DEBIAN_FRONTEND=noninteractive
  "${sudo[@]}" apt-get install -y --no-install-recommends "${missing[@]}" >/dev/null 2>&1 \
    || { "${sudo[@]}" apt-get update >/dev/null && "${sudo[@]}" apt-get install -y --no-install-recommends "${missing[@]}" >/dev/null; }
fi

cargo fmt --all -- --check
cargo clippy --workspace --all-targets --locked -- -D warnings
# The API docs build without a broken or private link.
RUSTDOCFLAGS="-D warnings" cargo doc --workspace --no-deps --locked --quiet
# Each criterion bench once, in test mode: they must keep compiling and running (no timing).
cargo test --locked --bench '*'

# The HTTP tests write the gateway's debug log here; none of the secrets they use may be in it.
logs="${CARGO_TARGET_DIR:-target}/tmp/test-logs"
rm -rf "$logs"
cargo test --workspace --locked
if [ ! -s "$logs/http.log" ]; then
  echo "no gateway log in $logs: the secrets check would prove nothing" >&2
  exit 1
fi
if grep -rnFf tests/secrets.txt "$logs"; then
  echo "secrets from tests/secrets.txt found in the gateway's test logs ($logs)" >&2
  exit 1
fi
echo "no secret in the gateway's test logs"
