#!/usr/bin/env bash
# Runs one language's conformance runner standalone: scripts/conformance-run.sh rust|c|go|python|node
# Reads PAS_VECTORS_DIR (default tests/vectors) and writes PAS_CONFORMANCE_OUT (default
# target/conformance/<language>.json). Expects the language's artifacts to be built (make test does).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
TARGET="${CARGO_TARGET_DIR:-$ROOT/target}"
cd "$ROOT"
lang="${1:?usage: scripts/conformance-run.sh rust|c|go|python|node}"
export PAS_VECTORS_DIR="${PAS_VECTORS_DIR:-$ROOT/tests/vectors}"
export PAS_CONFORMANCE_OUT="${PAS_CONFORMANCE_OUT:-$TARGET/conformance/$lang.json}"
case "$lang" in
  rust) exec "$TARGET/debug/pas-conformance" run ;;
  # The wheel installed in the test virtualenv by scripts/test-python.sh (the source tree is not on
  # sys.path: the script's own folder is, for its test helpers).
  python) exec "$TARGET/py-venv/bin/python" "$ROOT/bindings/python/tests/vectors_runner.py" ;;
  # The addon built by `npm ci` in bindings/node (scripts/test-node.sh).
  node) exec node "$ROOT/bindings/node/test/vectors-runner.js" ;;
  *) echo "conformance-run: unknown language '$lang'" >&2; exit 2 ;;
esac
