#!/usr/bin/env bash
# Everything for the C ABI (issue 4), from a clean clone:
#   pinned cbindgen, build pas-ffi + pas-devserver (debug, workspace target/), header drift check,
#   header compile checks (C99, C11, C++17), exported-symbol check, Rust ABI tests, C tests
#   (plain, valgrind memcheck, AddressSanitizer), C stress test, the C conformance runner (plain,
#   valgrind, ASan; tests/vectors), C example, Go vet + test -race (incl. pas-devserver and the Go
#   conformance runner TestVectors), Go examples. Starts and stops its own pas-devserver.
#
# Usage: scripts/test-ffi.sh            run everything
#        scripts/test-ffi.sh --regen-header   regenerate include/pas.h and exit
# Knobs: SKIP_VALGRIND=1, SKIP_ASAN=1, SKIP_GO=1 (local iteration only; CI runs everything).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
# shellcheck source=scripts/lib.sh
source "$ROOT/scripts/lib.sh"
CBINDGEN_VERSION=0.29.4
LIB_DIR="$PAS_TARGET/debug"
WORK="$PAS_TARGET/ffi-test"
mkdir -p "$WORK"
export CARGO_TERM_COLOR=never
export RUST_BACKTRACE=0
SUMMARY=()
T0=$(date +%s)

log() { echo "== test-ffi: $*" >&2; }
stage() { # stage NAME: prints timing of the previous stage
  local now
  now=$(date +%s)
  [[ -n "${STAGE:-}" ]] && SUMMARY+=("$(printf '%-28s %4ss' "$STAGE" "$((now - STAGE_T0))")")
  STAGE="$1"
  STAGE_T0=$now
  [[ -n "$1" ]] && log "$1"
  return 0
}

# ---- tools -------------------------------------------------------------------------------------
ensure_cbindgen() {
  if ! command -v cbindgen >/dev/null || [[ "$(cbindgen --version)" != "cbindgen $CBINDGEN_VERSION" ]]; then
    log "installing cbindgen $CBINDGEN_VERSION"
    cargo install cbindgen --version "$CBINDGEN_VERSION" --locked >&2
  fi
}
apt_install() { # apt_install CMD PACKAGE...
  command -v "$1" >/dev/null && return 0
  shift
  log "installing $*"
  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@") >&2
}

if [[ "${1:-}" == "--regen-header" ]]; then
  ensure_cbindgen
  cbindgen --config cbindgen.toml --crate pas-ffi --output include/pas.h
  exit 0
fi

stage "tools"
ensure_cbindgen
apt_install gcc gcc
apt_install g++ g++
apt_install valgrind valgrind
apt_install curl curl
pas_go_env # Go on PATH (or a clear error), cgo pointed at libpas

# ---- build -------------------------------------------------------------------------------------
stage "cargo build"
cargo build --locked -p pas-ffi -p pas-devserver >&2
LIB="$LIB_DIR/libpas.so"
[[ -f "$LIB" && -f "$LIB_DIR/libpas.a" ]]

# ---- header ------------------------------------------------------------------------------------
stage "header drift"
cbindgen --config cbindgen.toml --crate pas-ffi --output "$WORK/pas.h" 2>"$WORK/cbindgen.log"
if ! diff -u include/pas.h "$WORK/pas.h" >"$WORK/header.diff"; then
  cat "$WORK/header.diff" >&2
  echo "header drift: include/pas.h differs from cbindgen output (run scripts/test-ffi.sh --regen-header)"
  exit 1
fi
echo "header drift: 0 differences"

stage "header compile"
cat >"$WORK/twice.c" <<'EOF'
#include "pas.h"
#include "pas.h"
int main(void) { return pas_abi_version() == PAS_ABI_VERSION ? 0 : 1; }
EOF
cp "$WORK/twice.c" "$WORK/twice.cpp"
n=0
for std in c99 c11; do
  gcc -std=$std -Wall -Wextra -Werror -pedantic -Iinclude -c "$WORK/twice.c" -o "$WORK/twice.o"
  n=$((n + 1))
done
g++ -std=c++17 -Wall -Wextra -Werror -pedantic -Iinclude -c "$WORK/twice.cpp" -o "$WORK/twice.o"
n=$((n + 1))
gcc -std=c11 -Iinclude "$WORK/twice.c" -o "$WORK/twice" -L"$LIB_DIR" -lpas -Wl,-rpath,"$LIB_DIR"
"$WORK/twice"
n=$((n + 1))
echo "header compile: $n passed, 0 failed (c99, c11, c++17 with -Wall -Wextra -Werror -pedantic; link+ABI check)"

stage "symbols"
nm -D --defined-only "$LIB" | awk '$2 ~ /^[TtDdBbRrVvWi]$/ {print $3}' | sort -u >"$WORK/exported.txt"
grep -oE '\bpas_[a-z0-9_]+\(' include/pas.h | tr -d '(' | sort -u >"$WORK/declared.txt"
bad=0
while read -r sym; do
  [[ "$sym" == pas_* ]] || { echo "exported symbol without pas_ prefix: $sym"; bad=1; }
  grep -qx "$sym" "$WORK/declared.txt" || { echo "exported but not declared in pas.h: $sym"; bad=1; }
done <"$WORK/exported.txt"
while read -r sym; do
  grep -qx "$sym" "$WORK/exported.txt" || { echo "declared in pas.h but not exported: $sym"; bad=1; }
done <"$WORK/declared.txt"
echo "symbols: $(wc -l <"$WORK/exported.txt") exported, $(wc -l <"$WORK/declared.txt") declared, $bad mismatches"
[[ $bad == 0 ]]

stage "rust abi tests"
cargo test --locked -p pas-ffi 2>&1 | tee "$WORK/cargo-test.log" | grep -E '^test result' >&2
grep -E '^test result' "$WORK/cargo-test.log" | awk '{p+=$4; f+=$6} END {print "rust abi tests: " p " passed, " f " failed"}'
! grep -qE '^test result: FAILED' "$WORK/cargo-test.log"

# ---- pas-devserver -----------------------------------------------------------------------------
trap pas_devserver_stop EXIT
stage "pas-devserver"
pas_devserver_start "$WORK"
log "pas-devserver at $PAS_DEVSERVER_URL"

json_field() { sed -n "s/.*\"$1\":\"\([^\"]*\)\".*/\1/p"; }
# mint_env: a fresh access token, refresh token and authorization code (for the RFC 7636 verifier)
mint_env() {
  local tokens login
  tokens="$(curl -fsS -X POST "$PAS_DEVSERVER_URL/__control/tokens" -d '{"account":"alice"}')"
  PAS_TEST_TOKEN="$(json_field access_token <<<"$tokens")"
  PAS_TEST_RT="$(json_field refresh_token <<<"$tokens")"
  login="$(curl -fsS -X POST "$PAS_DEVSERVER_URL/__control/login" -d '{"account":"alice","client_id":"pas-demo",
    "redirect_uri":"http://127.0.0.1:8765/cb","state":"xyz","code_challenge":"E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"}')"
  PAS_TEST_CODE="$(json_field code <<<"$login")"
  PAS_TEST_JWKS="$(curl -fsS "$PAS_DEVSERVER_URL/.well-known/jwks.json")"
  export PAS_TEST_TOKEN PAS_TEST_RT PAS_TEST_CODE PAS_TEST_JWKS
  [[ -n "$PAS_TEST_TOKEN" && -n "$PAS_TEST_RT" && -n "$PAS_TEST_CODE" && -n "$PAS_TEST_JWKS" ]]
}

# ---- C tests -----------------------------------------------------------------------------------
CFLAGS=(-std=c11 -g -Wall -Wextra -Werror -Iinclude -Ipas-ffi/tests/c)
LDFLAGS=(-L"$LIB_DIR" -lpas -lpthread -Wl,-rpath,"$LIB_DIR")
stage "c tests"
gcc "${CFLAGS[@]}" pas-ffi/tests/c/test_pas.c -o "$WORK/test_pas" "${LDFLAGS[@]}"
gcc "${CFLAGS[@]}" -O1 pas-ffi/tests/c/stress.c -o "$WORK/stress" "${LDFLAGS[@]}"
mint_env
"$WORK/test_pas" 2>"$WORK/test_pas.err" | tee "$WORK/test_pas.out" | sed 's/^/c tests: /'
grep -q ' 0 failed$' "$WORK/test_pas.out" || { grep FAIL "$WORK/test_pas.err" >&2; exit 1; }

stage "c stress"
"$WORK/stress" 2>"$WORK/stress.err" | sed 's/^/c stress: /' | tee "$WORK/stress.out"
grep -q ' 0 failed$' "$WORK/stress.out" || { cat "$WORK/stress.err" >&2; exit 1; }

if [[ "${SKIP_VALGRIND:-0}" != 1 ]]; then
  stage "c tests valgrind"
  mint_env
  valgrind --quiet --leak-check=full --errors-for-leak-kinds=definite --show-leak-kinds=definite \
    --error-exitcode=99 --log-file="$WORK/valgrind.log" "$WORK/test_pas" 2>"$WORK/test_pas.vg.err" \
    | sed 's/^/c tests (valgrind memcheck): /' | tee "$WORK/test_pas.vg.out" || {
    cat "$WORK/valgrind.log" >&2
    exit 1
  }
  grep -q ' 0 failed$' "$WORK/test_pas.vg.out"
  echo "valgrind: $(grep -c 'ERROR SUMMARY' "$WORK/valgrind.log" || true) reports, exit 0 (no definite leaks, no errors)"
fi

if [[ "${SKIP_ASAN:-0}" != 1 ]]; then
  stage "c tests asan"
  ASAN=(-fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined)
  gcc "${CFLAGS[@]}" "${ASAN[@]}" pas-ffi/tests/c/test_pas.c -o "$WORK/test_pas_asan" "${LDFLAGS[@]}"
  gcc "${CFLAGS[@]}" -O1 "${ASAN[@]}" pas-ffi/tests/c/stress.c -o "$WORK/stress_asan" "${LDFLAGS[@]}"
  mint_env
  export ASAN_OPTIONS=detect_leaks=1:abort_on_error=0:exitcode=98
  "$WORK/test_pas_asan" 2>"$WORK/asan.err" | sed 's/^/c tests (asan+ubsan): /' | tee "$WORK/asan.out" \
    || { cat "$WORK/asan.err" >&2; exit 1; }
  grep -q ' 0 failed$' "$WORK/asan.out"
  "$WORK/stress_asan" 2>"$WORK/stress_asan.err" | sed 's/^/c stress (asan+ubsan): /' | tee "$WORK/stress_asan.out" \
    || { cat "$WORK/stress_asan.err" >&2; exit 1; }
  grep -q ' 0 failed$' "$WORK/stress_asan.out"
  unset ASAN_OPTIONS
fi

# ---- conformance vectors (issue 7): the C runner, plain, under valgrind and under ASan+UBSan --
stage "conformance: C runner"
CONF_OUT="$ROOT/target/conformance"
tests/conformance/c/build.sh "$WORK/conformance_c"
PAS_CONFORMANCE_OUT="$CONF_OUT/c.json" "$WORK/conformance_c" >"$WORK/conformance_c.out" 2>&1 || {
  grep -E '^(FAIL|pas vectors)' "$WORK/conformance_c.out"
  exit 1
}
grep -E '^pas vectors ' "$WORK/conformance_c.out" | sed 's/^/conformance: /'
if [[ "${SKIP_VALGRIND:-0}" != 1 ]]; then
  PAS_CONFORMANCE_OUT="$WORK/conformance_c_vg.json" valgrind --quiet --leak-check=full --errors-for-leak-kinds=definite \
    --show-leak-kinds=definite --error-exitcode=99 --log-file="$WORK/conformance_valgrind.log" "$WORK/conformance_c" \
    >"$WORK/conformance_c_vg.out" 2>&1 || {
    cat "$WORK/conformance_valgrind.log" "$WORK/conformance_c_vg.out" | tail -50
    exit 1
  }
  grep -E '^pas vectors \[c\]: ' "$WORK/conformance_c_vg.out" | sed 's/^/conformance (valgrind memcheck): /'
fi
if [[ "${SKIP_ASAN:-0}" != 1 ]]; then
  tests/conformance/c/build.sh "$WORK/conformance_c_asan" -fsanitize=address,undefined -fno-omit-frame-pointer \
    -fno-sanitize-recover=undefined
  ASAN_OPTIONS=detect_leaks=1:abort_on_error=0:exitcode=98 PAS_CONFORMANCE_OUT="$WORK/conformance_c_asan.json" \
    "$WORK/conformance_c_asan" >"$WORK/conformance_c_asan.out" 2>&1 || {
    tail -50 "$WORK/conformance_c_asan.out"
    exit 1
  }
  grep -E '^pas vectors \[c\]: ' "$WORK/conformance_c_asan.out" | sed 's/^/conformance (asan+ubsan): /'
fi

stage "c example"
gcc -std=c11 -Wall -Wextra -Werror -Iinclude examples/c/verify.c -o "$WORK/verify_example" \
  -L"$LIB_DIR" -lpas -Wl,-rpath,"$LIB_DIR"
mint_env
"$WORK/verify_example" "$PAS_DEVSERVER_URL" "$PAS_TEST_TOKEN" | sed 's/^/c example: /'
# the static library links too
gcc -std=c11 -Iinclude examples/c/verify.c -o "$WORK/verify_example_static" "$LIB_DIR/libpas.a" -lpthread -ldl -lm
"$WORK/verify_example_static" "$PAS_DEVSERVER_URL" "$PAS_TEST_TOKEN" >/dev/null
echo "c example: 2 passed, 0 failed (shared and static)"

# ---- Go ----------------------------------------------------------------------------------------
if [[ "${SKIP_GO:-0}" != 1 ]]; then
  stage "go vet"
  test -z "$(gofmt -l bindings/go examples/go)" || { gofmt -l bindings/go examples/go; echo "gofmt: files need formatting"; exit 1; }
  (cd bindings/go && go vet ./...)
  echo "go vet: 1 passed, 0 failed"
  stage "go test -race"
  mint_env
  # Includes TestVectors, the Go conformance runner (writes target/conformance/go.json).
  (cd bindings/go && PAS_CONFORMANCE_OUT="$ROOT/target/conformance/go.json" go test -race -count=1 -v ./... 2>&1) \
    >"$WORK/go-test.log" || { cat "$WORK/go-test.log"; exit 1; }
  echo "go test -race: $(grep -cE '^\s*--- PASS' "$WORK/go-test.log") passed, $(grep -cE '^\s*--- FAIL' "$WORK/go-test.log") failed"
  grep -E '^pas vectors \[go\]: ' "$WORK/go-test.log" | sed 's/^/conformance: /'
  stage "go examples"
  (cd examples/go && go vet ./... && go run . "$PAS_DEVSERVER_URL") | sed 's/^/go example: /'
fi

stage ""
echo "---- test-ffi timings ----"
printf '%s\n' "${SUMMARY[@]}"
echo "total $(($(date +%s) - T0))s"
echo "test-ffi: all suites passed"
