#!/usr/bin/env bash
# Builds the release binaries and measures them: chat turns/s, latency,
# memory and statements per turn under load, with the offline agent and with
# the OpenAI agent against a scripted model inside the bench; the time from
# the model's first token to ChatKit's first text_delta; then the MCP
# sidecar's tool-call latency (stdio and streamable HTTP). Prints figures; it
# has no pass/fail thresholds.
#
# PostgreSQL: BENCH_DATABASE_URL or TEST_DATABASE_URL names a server where a
# database is created for the run and dropped after it. Without either, a
# server started by scripts/pg-start.sh is used when it answers; otherwise the
# run uses a SQLite file and says so (BENCH_DATABASE_URL=sqlite forces it).
# This script never installs or starts PostgreSQL itself.
#
# Knobs: BENCH_MODES=offline,scripted,first-delta,sidecar  BENCH_LEVELS=1,4,16,32
#        BENCH_TURNS=1000 (per level)  BENCH_MCP_CALLS=500
#        BENCH_TOKEN_DELAY_MS=20  BENCH_DELTA_USERS=8  BENCH_DELTA_TURNS=200 (first-delta)
#        BENCH_BUILD_TIME=1 also times a clean release build (slow: a fresh target dir).
set -euo pipefail
cd "$(dirname "$0")/.."

if [[ "${BENCH_BUILD_TIME:-0}" == 1 ]]; then
  scratch=$(mktemp -d)
  trap 'rm -rf "$scratch"' EXIT
  echo "bench: timing a clean release build (cargo build --release --bins) in $scratch…"
  start=$(date +%s)
  CARGO_TARGET_DIR="$scratch" cargo build --quiet --release --bins
  echo "bench: clean release build took $(( $(date +%s) - start )) s"
  rm -rf "$scratch"
fi

# The `profiling` profile is release code that keeps symbols and line tables,
# so `perf record` on a run names the functions (docs/benchmarks.md).
echo "bench: building the binaries (release with symbols: --profile profiling)…"
cargo build --quiet --profile profiling --bins
export BENCH_BIN_DIR="${BENCH_BIN_DIR:-$PWD/target/profiling}"

if [[ -z "${BENCH_DATABASE_URL:-}" && -z "${TEST_DATABASE_URL:-}" ]]; then
  # The role scripts/pg-start.sh creates, if that server is up.
  local_url="postgres://todo:todo@127.0.0.1:${PGPORT:-5432}/postgres"
  if command -v psql >/dev/null && psql "$local_url" -XAtqc 'SELECT 1' >/dev/null 2>&1; then
    export BENCH_DATABASE_URL="$local_url"
    echo "bench: using the local PostgreSQL server (role todo)"
  else
    echo "bench: no PostgreSQL URL and no local server answering; the run uses SQLite"
  fi
fi

echo "bench: building the load generator…"
cargo bench --quiet -p todo-backend --bench chat_load --no-run
cargo bench --quiet -p todo-backend --bench chat_load
