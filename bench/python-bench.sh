#!/usr/bin/env bash
# Benchmarks the Python binding against PyJWT, joserfc and cryptography (not a test).
# Builds a release wheel and installs it with the other libraries into its own virtualenv.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
TARGET="${CARGO_TARGET_DIR:-$ROOT/target}"
VENV="$TARGET/py-bench-venv"
WHEELS="$TARGET/py-wheels-release"
rm -rf "$VENV" "$WHEELS"
"${PYTHON:-python3}" -m venv "$VENV"
"$VENV/bin/python" -m pip install -q --disable-pip-version-check maturin PyJWT joserfc cryptography
"$VENV/bin/maturin" build --locked -q --release -m bindings/python/Cargo.toml -i "$VENV/bin/python" --out "$WHEELS"
"$VENV/bin/python" -m pip install -q --disable-pip-version-check --no-deps "$WHEELS"/pas-*.whl
cd "$(mktemp -d)"
exec "$VENV/bin/python" "$ROOT/bench/python_bench.py"
