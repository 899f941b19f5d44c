#!/usr/bin/env bash
# Every test suite, in order of what they build on. PostgreSQL cases run when
# TEST_DATABASE_URL is set (scripts/pg-start.sh prints it); REQUIRE_POSTGRES=1
# turns their absence into a failure.
set -euo pipefail
cd "$(dirname "$0")/.."

stage() { printf '\n=== %s\n' "$*"; }
timed() { local t=$(date +%s); "$@"; echo "--- $* took $(( $(date +%s) - t )) s"; }

stage "Rust: unit and black-box tests (SQLite and PostgreSQL)"
# Binaries and tests in one build (one feature set): `cargo test` and the
# suites below, which run target/debug/todo-*, reuse it instead of building twice.
timed cargo build --workspace --bins --tests
timed cargo test --workspace

stage "MCP sidecar with the Python SDK and the MCP Inspector CLI; ChatKit conformance; database roles"
timed make -s .venv/bin/python
# tests/database runs the frontend server (Better Auth's migrations) from source.
[ -d frontend ] && timed make -s frontend-deps
timed .venv/bin/pytest -q tests

if [ -d frontend ]; then
  stage "Frontend: lint, units, build, browser end to end"
  timed make -s frontend-test
fi
stage "Chart checks, images and the two-container pod (podman kube play)"
# Tools are cached outside the checkout so fresh clones on one machine reuse them;
# the pod runs the debug binaries `cargo build` made above.
export TOOLS_DIR="${TOOLS_DIR:-$HOME/.cache/todo-tools}" PREBUILT_PROFILE="${PREBUILT_PROFILE:-debug}"
timed scripts/deploy/tools.sh
timed scripts/deploy/chart-check.sh
timed scripts/deploy/base-images.sh debian distroless-cc
timed scripts/deploy/pod-test.sh
timed scripts/deploy/frontend-smoke.sh
