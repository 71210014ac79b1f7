# pas: the two commands of the README, and their parts.
#   make demo  - the end-to-end session story (main job)
#   make test  - every test suite (what .ci/run calls)
#   make python-test - the Python wheel: build, install in a fresh venv, mypy, stubtest, pytest
SHELL := /bin/bash
CARGO ?= cargo
export CARGO_TERM_COLOR ?= never

.PHONY: demo test bootstrap lint rust-test python-test bench python-bench

bootstrap:
	@scripts/bootstrap.sh

demo: bootstrap
	$(CARGO) run --locked -q -p pas-demo

test: bootstrap lint rust-test python-test

lint:
	$(CARGO) fmt --all -- --check
	$(CARGO) clippy --locked --workspace --all-targets -- -D warnings

rust-test:
	$(CARGO) test --locked --workspace --all-targets

python-test:
	scripts/test-python.sh

bench:
	$(CARGO) bench --locked -p pas-core --bench throughput

python-bench:
	bench/python-bench.sh
