#!/usr/bin/env bash
# Runs the product locally with its embedded defaults: SQLite under ./data,
# the offline agent, the sidecar spawned over stdio, and the web frontend.
# Override anything through the environment (see README: Configuration).
set -euo pipefail
cd "$(dirname "$0")/.."
mkdir -p data

if [ -z "${BETTER_AUTH_SECRET:-}" ]; then
  # A local secret, made once and kept in ./data (git-ignored).
  [ -s data/dev-secret ] || { umask 077; head -c 48 /dev/urandom | base64 | tr -d '/+=\n' > data/dev-secret; }
  BETTER_AUTH_SECRET=$(cat data/dev-secret)
fi
export BETTER_AUTH_SECRET
export DATABASE_URL="${DATABASE_URL:-sqlite://data/todo.db}"
export HOST="${HOST:-127.0.0.1}" PORT="${PORT:-8000}"
FRONTEND_PORT="${FRONTEND_PORT:-3000}"

echo "run: building the backend and the MCP sidecar…"
cargo build --quiet --release --bins

pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; }
trap cleanup EXIT INT TERM

target/release/todo-backend &
pids+=($!)
ready() { python3 -c 'import sys, urllib.request; urllib.request.urlopen(sys.argv[1], timeout=1)' "$1" 2>/dev/null; }
for _ in $(seq 1 100); do
  ready "http://$HOST:$PORT/readyz" && break
  sleep 0.2
done

if [ -d frontend ]; then
  echo "run: building the web frontend…"
  (cd frontend && { [ -d node_modules ] || npm ci --no-audit --no-fund --silent; } && npm run --silent build)
  backend_url="http://$HOST:$PORT"
  (cd frontend && PORT="$FRONTEND_PORT" HOST=127.0.0.1 BACKEND_URL="$backend_url" \
    BETTER_AUTH_URL="http://127.0.0.1:$FRONTEND_PORT" npm run --silent start) &
  pids+=($!)
  echo
  echo "  Open http://127.0.0.1:$FRONTEND_PORT  (sign up, then chat: \"add buy milk\", \"what's left?\")"
else
  echo
  echo "  Chat API on http://$HOST:$PORT/api/{user_id}/chat"
fi
echo "  Stop with Ctrl-C."
wait -n "${pids[@]}"
