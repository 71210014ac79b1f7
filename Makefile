# pas: the two commands of the README, and their parts.
#   make demo  - the end-to-end session story in Rust, C, Go, Python and Node, one table (main job)
#   make test  - every test suite (what .ci/run calls)
#   make python-test - the Python wheel: build, install in a fresh venv, mypy, stubtest, pytest
SHELL := /bin/bash
CARGO ?= cargo
export CARGO_TERM_COLOR ?= never

.PHONY: demo test bootstrap lint rust-test demo-check bench ffi-test python-test python-bench node-test

bootstrap:
	@scripts/bootstrap.sh

# Builds what it needs, runs the same story in five languages against pas-devserver and prints
# one side-by-side table; fails if any language decides differently (scripts/demo.sh).
demo: bootstrap
	@scripts/demo.sh

test: bootstrap lint rust-test ffi-test python-test node-test demo-check

lint:
	$(CARGO) fmt --all -- --check
	$(CARGO) clippy --locked --workspace --all-targets -- -D warnings

# Unit and integration tests of every crate; the integration suite starts pas-devserver
# in-process and oidc-provider (npm, installed on first use) as a child process.
rust-test:
	$(CARGO) test --locked --workspace --all-targets

# The demo's decisions are checked too: the same driver (incremental builds, so a few seconds
# when everything is built; DEMO_FLAGS=--no-build skips building altogether).
demo-check:
	@scripts/demo.sh $(DEMO_FLAGS)

python-test:
	scripts/test-python.sh

node-test:
	@scripts/test-node.sh

bench:
	$(CARGO) bench --locked -p pas-core --bench throughput

# Issue 4: libpas (C ABI), include/pas.h drift/compile/symbol checks, C tests under valgrind and
# ASan, the C stress test, the Go package (vet, test -race) and the C/Go examples.
ffi-test:
	scripts/test-ffi.sh

python-bench:
	bench/python-bench.sh
