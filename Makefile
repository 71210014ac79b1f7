# pas: the two commands of the README, and their parts.
#   make demo  - the end-to-end session story (main job)
#   make test  - every test suite (what .ci/run calls)
SHELL := /bin/bash
CARGO ?= cargo
export CARGO_TERM_COLOR ?= never

.PHONY: demo test bootstrap lint rust-test node-test bench

bootstrap:
	@scripts/bootstrap.sh

demo: bootstrap
	$(CARGO) run --locked -q -p pas-demo

test: bootstrap lint rust-test node-test

lint:
	$(CARGO) fmt --all -- --check
	$(CARGO) clippy --locked --workspace --all-targets -- -D warnings

rust-test:
	$(CARGO) test --locked --workspace --all-targets

node-test:
	@scripts/test-node.sh

bench:
	$(CARGO) bench --locked -p pas-core --bench throughput
