#!/usr/bin/env bash
# Builds the C conformance runner against the workspace libpas (target/debug) and jansson.
# Shared by scripts/test-ffi.sh and scripts/conformance-run.sh so both build it the same way.
#
# Usage: tests/conformance/c/build.sh OUTPUT [extra gcc flags, e.g. -fsanitize=address]
# Needs: gcc, libjansson-dev (installed here when missing), target/debug/libpas.so.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../../.." && pwd)"
OUT="$1"
shift
LIB_DIR="${CARGO_TARGET_DIR:-$ROOT/target}/debug"
if [[ ! -f /usr/include/jansson.h ]]; then
  echo "== conformance: installing libjansson-dev" >&2
  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq libjansson-dev) >&2
fi
mkdir -p "$(dirname "$OUT")"
gcc -std=c11 -g -Wall -Wextra -Werror -I"$ROOT/include" -DPAS_REPO_ROOT="\"$ROOT\"" "$@" \
  "$ROOT"/tests/conformance/c/runner.c "$ROOT"/tests/conformance/c/cases.c "$ROOT"/tests/conformance/c/session.c \
  -o "$OUT" -L"$LIB_DIR" -lpas -ljansson -lpthread -Wl,-rpath,"$LIB_DIR"
