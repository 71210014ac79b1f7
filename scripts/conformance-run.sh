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
  *) echo "conformance-run: unknown language '$lang'" >&2; exit 2 ;;
esac
