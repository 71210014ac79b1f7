#!/usr/bin/env bash
# make demo: the same session story in Rust, C, Go, Python and Node against pas-devserver, printed
# as one side-by-side table (rows: steps; columns: languages). Exits non-zero if any program fails
# or any language decides differently from Rust, or Rust differs from the story
# (examples/rust-demo/src/outcome.rs). Every process it starts is stopped on exit.
#
#   scripts/demo.sh             build what is missing or stale (cargo, gcc, go, maturin, npm), then run
#   scripts/demo.sh --no-build  run with the artifacts already built (fails if one is missing)
#
# Builds: libpas + pas-devserver + pas-demo (cargo, debug), target/demo/c-demo (gcc),
# target/demo/go-demo (go build), the wheel in the virtualenv target/demo/py-venv (maturin), the
# Node addon (npm in bindings/node) and examples/node's link to it. Each program runs against a
# fresh pas-devserver (refresh-token rotation on); its JSON lines and stderr are kept in
# target/demo/<language>.{jsonl,log}.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
# shellcheck source=scripts/lib.sh
source "$ROOT/scripts/lib.sh"
OUT="$PAS_TARGET/demo"
mkdir -p "$OUT"
export CARGO_TERM_COLOR=never
log() { echo "demo: $*" >&2; }
quietly() { # quietly LOG CMD...: CMD's output goes to LOG, shown only when CMD fails
  local logfile="$1"
  shift
  "$@" >"$logfile" 2>&1 || { cat "$logfile" >&2; log "failed: $* (log: $logfile)"; return 1; }
}
PROGRAM_PID=""
cleanup() {
  [[ -n "$PROGRAM_PID" ]] && kill -TERM "$PROGRAM_PID" 2>/dev/null
  pas_devserver_stop
}
trap cleanup EXIT
trap 'exit 130' INT TERM
BUILD=1
case "${1:-}" in
  "") ;;
  --no-build) BUILD=0 ;;
  *) echo "usage: scripts/demo.sh [--no-build]" >&2; exit 2 ;;
esac

t0=$SECONDS
if [[ $BUILD == 1 ]]; then
  log "building libpas, pas-devserver and the Rust program (cargo)"
  cargo build --locked -q -p pas-ffi -p pas-devserver -p pas-demo
  log "building the C program (gcc)"
  gcc -std=c11 -Wall -Wextra -Werror -Iinclude examples/c/demo.c -o "$OUT/c-demo" \
    -L"$PAS_TARGET/debug" -lpas -Wl,-rpath,"$PAS_TARGET/debug"
  log "building the Go program (go build, cgo over libpas)"
  pas_go_env
  (cd examples/go && go build -o "$OUT/go-demo" ./demo)
  log "building the Python wheel into $OUT/py-venv (maturin)"
  quietly "$OUT/build-python.log" pas_py_venv "$OUT/py-venv" "maturin>=1.7,<2"
  quietly "$OUT/build-python.log" pas_py_wheel "$OUT/py-venv" "$OUT/py-wheels"
  log "building the Node addon (npm in bindings/node)"
  quietly "$OUT/build-node.log" pas_node_addon
  quietly "$OUT/build-node.log" pas_node_examples
fi
build_s=$((SECONDS - t0))

t1=$SECONDS
LANGS=(Rust C Go Python Node)
declare -A CMD=(
  [Rust]="$PAS_TARGET/debug/pas-demo run"
  [C]="$OUT/c-demo"
  [Go]="$OUT/go-demo"
  [Python]="$OUT/py-venv/bin/python $ROOT/examples/python/demo/demo.py"
  [Node]="node $ROOT/examples/node/demo/demo.mjs"
)
failed=()
columns=()
for lang in "${LANGS[@]}"; do
  name="${lang,,}"
  pas_devserver_start "$OUT" --rotate-refresh-tokens
  rc=0
  # shellcheck disable=SC2086 # CMD holds a program and its fixed arguments
  timeout 60 ${CMD[$lang]} "$PAS_DEVSERVER_URL" "$PAS_DEVSERVER_CONTROL_URL" \
    >"$OUT/$name.jsonl" 2>"$OUT/$name.log" &
  PROGRAM_PID=$!
  wait "$PROGRAM_PID" || rc=$?
  PROGRAM_PID=""
  pas_devserver_stop
  if [[ $rc != 0 ]]; then
    log "$lang program exited $rc:"
    sed 's/^/  /' "$OUT/$name.log" >&2
    failed+=("$lang")
  fi
  columns+=("$lang=$OUT/$name.jsonl")
done
run_s=$((SECONDS - t1))

echo
table_rc=0
"$PAS_TARGET/debug/pas-demo" table "${columns[@]}" || table_rc=$?
echo "demo: build ${build_s}s, run ${run_s}s (5 programs, one fresh pas-devserver each)"
if [[ ${#failed[@]} -gt 0 ]]; then
  echo "demo: FAILED: ${failed[*]} exited non-zero (logs in $OUT)"
  exit 1
fi
exit "$table_rc"
