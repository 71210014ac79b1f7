#!/usr/bin/env bash
# Installs what the demo and the tests need on a fresh machine, and nothing twice.
# Rust comes from rustup with the toolchain pinned in rust-toolchain.toml.
set -euo pipefail
cd "$(dirname "$0")/.."

if ! command -v cargo >/dev/null 2>&1; then
  if ! command -v rustup >/dev/null 2>&1; then
    echo "bootstrap: installing rustup" >&2
    command -v curl >/dev/null || { apt-get update -qq && apt-get install -y -qq curl; }
    curl -sSf https://sh.rustup.rs | sh -s -- -y --profile minimal --default-toolchain none
  fi
  export PATH="$HOME/.cargo/bin:$PATH"
fi
# rust-toolchain.toml pins the version; this installs it (and clippy/rustfmt) if missing.
rustup show active-toolchain >/dev/null 2>&1 || rustup toolchain install

# Node.js runs oidc-provider, the independent authorization server of the integration suite.
if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
  echo "bootstrap: installing nodejs and npm" >&2
  apt-get update -qq && apt-get install -y -qq nodejs npm
fi
