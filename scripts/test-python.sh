#!/usr/bin/env bash
# The Python binding's test command (make python-test), from a clean clone:
#   1. a fresh virtualenv under target/py-venv with maturin and the test tools from PyPI;
#   2. the wheel built by maturin (debug profile) and installed into it (not editable);
#   3. mypy --strict on the tests and examples, and mypy.stubtest on the installed package;
#   4. pytest against the installed wheel, run from a directory where the source package is not
#      importable (the tests start pas-devserver themselves and run examples/python/*.py).
# Nothing is left running: pytest's devserver fixture kills the server it started.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
# shellcheck source=scripts/lib.sh
source "$ROOT/scripts/lib.sh"
TARGET="$PAS_TARGET"
VENV="$TARGET/py-venv"
WHEELS="$TARGET/py-wheels"
start=$(date +%s)
step() { echo "== python-test: $* ($(( $(date +%s) - start ))s)"; }

step "fresh virtualenv"
rm -rf "$VENV" "$WHEELS"
pas_py_venv "$VENV" "maturin>=1.7,<2" "pytest>=8" "pytest-asyncio>=0.24" "mypy>=1.10" "cryptography>=42"

step "build pas-devserver"
cargo build --locked -q -p pas-devserver

step "build the wheel"
pas_py_wheel "$VENV" "$WHEELS"

WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT
cd "$WORK"   # neither bindings/python/python nor the repository root is on sys.path here

step "mypy --strict (tests, examples)"
"$VENV/bin/python" -m mypy --strict --cache-dir "$TARGET/py-mypy-cache" \
  "$ROOT/bindings/python/tests" "$ROOT/examples/python"

step "stubtest"
"$VENV/bin/python" -m mypy.stubtest pas --allowlist "$ROOT/bindings/python/stubtest-allowlist.txt" \
  --mypy-config-file /dev/null

step "pytest (installed wheel; runs examples/python too)"
PAS_DEVSERVER_BIN="$TARGET/debug/pas-devserver" timeout 600 "$VENV/bin/python" -m pytest \
  -p no:cacheprovider -q -rs "$ROOT/bindings/python/tests"

step "done"
