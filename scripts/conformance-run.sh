#!/usr/bin/env bash
# Runs one language's conformance runner (issue 7) on the shared vectors, standalone.
#
# Usage: scripts/conformance-run.sh <language>      (c, go; the lead adds rust, python, node)
# Env:   PAS_VECTORS_DIR      vector files (default tests/vectors)
#        PAS_CONFORMANCE_OUT  runner output (default target/conformance/<language>.json)
# Exits non-zero when any row fails or any file cannot be used. Builds libpas first when it is
# missing (cargo build --locked -p pas-ffi); otherwise uses the existing build as it is.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
LANGUAGE="${1:?usage: scripts/conformance-run.sh <language>}"
TARGET_DIR="${CARGO_TARGET_DIR:-$ROOT/target}"
LIB_DIR="$TARGET_DIR/debug"

# Absolute paths: some runners change directory (go test runs in its package folder).
PAS_VECTORS_DIR="$(realpath -m "${PAS_VECTORS_DIR:-$ROOT/tests/vectors}")"
PAS_CONFORMANCE_OUT="$(realpath -m "${PAS_CONFORMANCE_OUT:-$ROOT/target/conformance/$LANGUAGE.json}")"
export PAS_VECTORS_DIR PAS_CONFORMANCE_OUT

need_libpas() {
  [[ -f "$LIB_DIR/libpas.so" ]] || (cd "$ROOT" && cargo build --locked -p pas-ffi >&2)
}

case "$LANGUAGE" in
  c)
    need_libpas
    "$ROOT/tests/conformance/c/build.sh" "$TARGET_DIR/conformance-c/runner"
    exec "$TARGET_DIR/conformance-c/runner"
    ;;
  go)
    need_libpas
    command -v go >/dev/null || export PATH="/usr/local/go/bin:$PATH"
    export CGO_ENABLED=1 CGO_CFLAGS="-I$ROOT/include" GOFLAGS=-mod=mod
    export CGO_LDFLAGS="-L$LIB_DIR -lpas -Wl,-rpath,$LIB_DIR"
    cd "$ROOT/bindings/go"
    # -v: the summary lines are printed even when every row passes; the exit status is go test's.
    set +e +o pipefail
    go test -count=1 -run '^TestVectors$' -v . | grep -vE '^(=== RUN|--- PASS|    --- PASS|PASS$|ok )'
    exit "${PIPESTATUS[0]}"
    ;;
  *)
    echo "conformance-run: unknown language '$LANGUAGE' (known: c, go)" >&2
    exit 2
    ;;
esac
