# pas: the two commands of the README, and their parts.
#   make demo  - the end-to-end session story in Rust, C, Go, Python and Node, one table (main job)
#   make test  - every test suite (what .ci/run calls)
#   make python-test - the Python wheel: build, install in a fresh venv, mypy, stubtest, pytest
SHELL := /bin/bash
CARGO ?= cargo
export CARGO_TERM_COLOR ?= never

.PHONY: demo test bootstrap lint rust-test vectors demo-check bench ffi-test python-test python-bench node-test conformance

bootstrap:
	@scripts/bootstrap.sh

# Builds what it needs, runs the same story in five languages against pas-devserver and prints
# one side-by-side table; fails if any language decides differently (scripts/demo.sh).
demo: bootstrap
	@scripts/demo.sh

test: bootstrap lint rust-test vectors ffi-test python-test node-test demo-check conformance

lint:
	$(CARGO) fmt --all -- --check
	$(CARGO) clippy --locked --workspace --all-targets -- -D warnings

# Unit and integration tests of every crate; the integration suite starts pas-devserver
# in-process and oidc-provider (npm, installed on first use) as a child process.
rust-test:
	$(CARGO) test --locked --workspace --all-targets

# Issue 7: the shared vectors are fresh (the generator would write the same bytes), and the Rust
# runner passes them. Clears earlier runner outputs so the final table sees only this run's.
vectors:
	rm -rf target/conformance
	$(CARGO) build --locked -q -p pas-conformance
	target/debug/pas-conformance check
	scripts/conformance-run.sh rust

# Last step: every runner fails on a changed expected value, then the table (file by language)
# fails when any language failed or skipped a row or differs from Rust.
conformance:
	scripts/test-conformance-selftest.sh
	target/debug/pas-conformance table

# The demo's decisions are checked too: the same driver as `make demo`, after the binding suites
# so its builds are incremental (a few seconds; DEMO_FLAGS=--no-build skips building altogether).
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
