# Shell helpers shared by scripts/test-ffi.sh, test-python.sh, test-node.sh and demo.sh, so that
# starting pas-devserver, the cgo environment, the Python wheel and the Node addon are done one
# way everywhere. Sourced, never run; expects ROOT (the repository root) to be set. Every function
# returns non-zero at its first failure (also where the caller's `set -e` does not apply).
# shellcheck shell=bash

PAS_TARGET="${CARGO_TARGET_DIR:-$ROOT/target}"

# pas_go_env: puts Go on PATH (the official tarball's /usr/local/go) and points cgo at libpas.
pas_go_env() {
  if ! command -v go >/dev/null && [[ ! -x /usr/local/go/bin/go ]]; then
    echo "Go is required (https://go.dev/dl)" >&2
    return 1
  fi
  command -v go >/dev/null || export PATH="/usr/local/go/bin:$PATH"
  export CGO_ENABLED=1
  export CGO_CFLAGS="-I$ROOT/include"
  export CGO_LDFLAGS="-L$PAS_TARGET/debug -lpas -Wl,-rpath,$PAS_TARGET/debug"
  export GOFLAGS=-mod=mod
}

# pas_devserver_start DIR [FLAG...]: starts target/debug/pas-devserver on an ephemeral port
# (output in DIR/devserver.{out,err}), waits for its ready line and sets PAS_DEVSERVER_PID,
# PAS_DEVSERVER_URL and PAS_DEVSERVER_CONTROL_URL (exported). Stop it with pas_devserver_stop.
pas_devserver_start() {
  local dir="$1"
  shift
  "$PAS_TARGET/debug/pas-devserver" --port 0 "$@" >"$dir/devserver.out" 2>"$dir/devserver.err" &
  PAS_DEVSERVER_PID=$!
  local _
  for _ in $(seq 1 100); do
    grep -q '^PAS_DEVSERVER_READY ' "$dir/devserver.out" 2>/dev/null && break
    kill -0 "$PAS_DEVSERVER_PID" 2>/dev/null || { cat "$dir/devserver.err" >&2; return 1; }
    sleep 0.1
  done
  PAS_DEVSERVER_URL="$(sed -n 's/^PAS_DEVSERVER_READY .*"base_url":"\([^"]*\)".*/\1/p' "$dir/devserver.out")"
  PAS_DEVSERVER_CONTROL_URL="$(sed -n 's/^PAS_DEVSERVER_READY .*"control_url":"\([^"]*\)".*/\1/p' "$dir/devserver.out")"
  if [[ -z "$PAS_DEVSERVER_URL" || -z "$PAS_DEVSERVER_CONTROL_URL" ]]; then
    echo "pas-devserver did not get ready" >&2
    return 1
  fi
  export PAS_DEVSERVER_URL PAS_DEVSERVER_CONTROL_URL
}

# pas_devserver_stop: stops the server pas_devserver_start started (no-op when none).
pas_devserver_stop() {
  if [[ -n "${PAS_DEVSERVER_PID:-}" ]]; then
    kill -TERM "$PAS_DEVSERVER_PID" 2>/dev/null || true
    wait "$PAS_DEVSERVER_PID" 2>/dev/null || true
    PAS_DEVSERVER_PID=""
  fi
}

# pas_py_venv VENV PACKAGE...: a virtualenv at VENV (created when missing) with PACKAGE... from PyPI.
pas_py_venv() {
  local venv="$1"
  shift
  if [[ ! -x "$venv/bin/python" ]]; then
    "${PYTHON:-python3}" -m venv "$venv" || return
    "$venv/bin/python" -m pip install -q --disable-pip-version-check --upgrade pip || return
  fi
  "$venv/bin/python" -m pip install -q --disable-pip-version-check "$@"
}

# pas_py_wheel VENV WHEELS: builds the pas wheel with maturin (debug profile) into WHEELS and
# installs it into VENV (not editable); skips the install when that exact wheel is installed.
pas_py_wheel() {
  local venv="$1" wheels="$2" wheel sum
  rm -rf "$wheels"
  (cd "$ROOT" && "$venv/bin/maturin" build --locked -q -m bindings/python/Cargo.toml \
    -i "$venv/bin/python" --out "$wheels") || return
  wheel="$(ls "$wheels"/pas-*.whl)" || return
  sum="$(sha256sum "$wheel" | cut -d' ' -f1)" || return
  if [[ "$(cat "$venv/.pas-wheel.sha256" 2>/dev/null)" != "$sum" ]]; then
    "$venv/bin/python" -m pip install -q --disable-pip-version-check --force-reinstall --no-deps "$wheel" || return
    echo "$sum" >"$venv/.pas-wheel.sha256"
  fi
}

# pas_node_addon [--clean]: `npm ci` in bindings/node, whose install script builds the addon
# (profile $PAS_NODE_PROFILE, default debug). Without --clean, an installed package only
# rebuilds the addon (`npm run build`: cargo is incremental).
pas_node_addon() {
  local pkg="$ROOT/bindings/node"
  export PAS_NODE_PROFILE="${PAS_NODE_PROFILE:-debug}"
  export PATH="$HOME/.cargo/bin:$PATH"
  if [[ "${1:-}" == --clean ]]; then
    rm -rf "$pkg/node_modules" "$pkg"/*.node || return
  fi
  if [[ -d "$pkg/node_modules/@napi-rs/cli" ]]; then
    (cd "$pkg" && npm run --silent build)
  else
    (cd "$pkg" && npm ci --no-audit --no-fund --loglevel=error)
  fi
}

# pas_node_examples: installs examples/node's dependencies (`pas` linked from bindings/node).
pas_node_examples() {
  (cd "$ROOT/examples/node" && npm install --no-audit --no-fund --ignore-scripts --no-package-lock --loglevel=error)
}
