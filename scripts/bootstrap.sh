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

# The demo and the C/Python suites build C (gcc; also cgo) and a Python wheel in a virtualenv.
if ! command -v gcc >/dev/null 2>&1; then
  echo "bootstrap: installing gcc" >&2
  apt-get update -qq && apt-get install -y -qq gcc
fi
if ! python3 -c 'import venv, ensurepip' >/dev/null 2>&1; then
  echo "bootstrap: installing python3 and python3-venv" >&2
  apt-get update -qq && apt-get install -y -qq python3 python3-venv
fi
# Go (for the Go binding and the demo's Go program) comes from https://go.dev/dl; scripts that
# need it look on PATH and in /usr/local/go/bin.
command -v go >/dev/null 2>&1 || [[ -x /usr/local/go/bin/go ]] || echo "bootstrap: Go not found (https://go.dev/dl); make demo and the Go tests need it" >&2
