#!/usr/bin/env bash
# Runs one language's conformance runner standalone: scripts/conformance-run.sh rust|c|go|python|node
# Reads PAS_VECTORS_DIR (default tests/vectors) and writes PAS_CONFORMANCE_OUT (default
# target/conformance/<language>.json). Exits non-zero when any row fails or any file cannot be used.
# Expects the language's artifacts to be built (make test does); c and go build libpas
# (cargo build --locked -p pas-ffi) when it is missing, and compile their runner themselves.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
TARGET="${CARGO_TARGET_DIR:-$ROOT/target}"
cd "$ROOT"
lang="${1:?usage: scripts/conformance-run.sh rust|c|go|python|node}"
# Absolute paths: some runners change directory (go test runs in its package folder).
PAS_VECTORS_DIR="$(realpath -m "${PAS_VECTORS_DIR:-$ROOT/tests/vectors}")"
PAS_CONFORMANCE_OUT="$(realpath -m "${PAS_CONFORMANCE_OUT:-$TARGET/conformance/$lang.json}")"
export PAS_VECTORS_DIR PAS_CONFORMANCE_OUT

need_libpas() {
  [[ -f "$TARGET/debug/libpas.so" ]] || cargo build --locked -p pas-ffi >&2
}

case "$lang" in
  rust) exec "$TARGET/debug/pas-conformance" run ;;
  c)
    need_libpas
    tests/conformance/c/build.sh "$TARGET/conformance-c/runner"
    exec "$TARGET/conformance-c/runner"
    ;;
  go)
    need_libpas
    # shellcheck source=scripts/lib.sh
    source "$ROOT/scripts/lib.sh"
    pas_go_env
    cd bindings/go
    # -v: the summary lines are printed even when every row passes; the exit status is go test's.
    set +e +o pipefail
    go test -count=1 -run '^TestVectors$' -v . | grep -vE '^(=== RUN|--- PASS|    --- PASS|PASS$|ok )'
    exit "${PIPESTATUS[0]}"
    ;;
  # The wheel installed in the test virtualenv by scripts/test-python.sh (the source tree is not on
  # sys.path: the script's own folder is, for its test helpers).
  python) exec "$TARGET/py-venv/bin/python" "$ROOT/bindings/python/tests/vectors_runner.py" ;;
  # The addon built by `npm ci` in bindings/node (scripts/test-node.sh).
  node) exec node "$ROOT/bindings/node/test/vectors-runner.js" ;;
  *) echo "conformance-run: unknown language '$lang'" >&2; exit 2 ;;
esac
