# The verbs people type. `make help` lists them.
SHELL := /bin/bash
.DEFAULT_GOAL := help
CARGO ?= cargo
VENV := .venv
PY := $(VENV)/bin/python

.PHONY: help run build test test-bins test-rust test-mcp lint fmt bench

help: ## List the targets
	@grep -hE '^[a-zA-Z_-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  %-18s %s\n", $$1, $$2}'

run: ## Run the product locally (SQLite, offline agent, stdio sidecar) and print the URL
	scripts/run.sh

build: ## Build the Rust binaries (debug)
	$(CARGO) build --workspace --bins

test: ## Run every test (needs scripts/setup-debian.sh once on a fresh machine)
	scripts/test.sh

# The binaries the suites run, built with the tests' feature set (one build, not two).
test-bins:
	$(CARGO) build --workspace --bins --tests

test-rust: test-bins ## Rust unit and black-box tests
	$(CARGO) test --workspace

$(PY): tests/requirements.txt
	python3 -m venv $(VENV)
	$(VENV)/bin/pip install -q -r tests/requirements.txt
	touch $(PY)

test-mcp: test-bins $(PY) ## The sidecar driven by the Python MCP SDK and the MCP Inspector CLI
	$(VENV)/bin/pytest -q tests/mcp

lint: ## Formatting and lints
	$(CARGO) fmt --all -- --check
	$(CARGO) clippy --all-targets -- -D warnings

fmt: ## Format the Rust code
	$(CARGO) fmt --all

bench: ## Measure chat turns/s, latency and memory (prints figures)
	scripts/bench.sh

-include mk/*.mk
