#!/usr/bin/env bash
# The Node binding's test command (make node-test), from a clean clone:
#   1. clean `npm ci` in bindings/node: its install script builds the addon from source with the
#      napi-rs CLI (debug profile here; PAS_NODE_PROFILE=release for a release build);
#   2. index.d.ts drift check: the build regenerates it; git must see no difference;
#   3. tsc --noEmit --strict over examples/node and test/typed.ts;
#   4. node --test (the summary lines end the output);
#   5. the examples, run directly.
# pas-devserver is built here and started (and stopped) by the tests themselves.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
PKG="$ROOT/bindings/node"
# shellcheck source=scripts/lib.sh
source "$ROOT/scripts/lib.sh"
export PATH="$HOME/.cargo/bin:$PATH"
export PAS_NODE_PROFILE="${PAS_NODE_PROFILE:-debug}"
start=$SECONDS
step() { echo "node-test: $* ($((SECONDS - start)) s)" >&2; }

step "building pas-devserver"
(cd "$ROOT" && cargo build --locked -q -p pas-devserver)

step "npm ci in bindings/node (builds the addon, profile $PAS_NODE_PROFILE)"
pas_node_addon --clean

step "checking index.d.ts and native.js for drift"
if ! git -C "$ROOT" diff --exit-code -- bindings/node/index.d.ts bindings/node/native.js; then
  echo "node-test: index.d.ts / native.js differ from what napi-rs generates; run 'npm run build' in bindings/node and commit" >&2
  exit 1
fi

step "installing the examples (pas linked from bindings/node)"
pas_node_examples

step "tsc --noEmit --strict"
(cd "$PKG" && npx --no-install tsc -p tsconfig.json --noEmit --strict)

step "node --test"
(cd "$PKG" && node --test test/*.test.js)

step "running the examples"
for f in "$ROOT"/examples/node/*.mjs; do
  echo "--- $(basename "$f")"
  (cd "$ROOT/examples/node" && node "$f")
done
step "done"
