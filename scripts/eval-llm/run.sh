#!/usr/bin/env bash
# `make eval-llm`: fetches and serves a small local model (llama.cpp's server
# from PyPI, Qwen2.5-Coder-1.5B-Instruct Q4_K_M), starts the backend with
# LLM_PROVIDER=openai against it (SQLite, stdio sidecar), plays the suite and
# prints tool accuracy, unbacked claims and turn times. Slow on a laptop CPU:
# not part of `make test`.
#
# env: LLM_CACHE   where the model and the server's venv live (default ~/.cache/todo-llm)
#      LLM_MODEL   a GGUF file to use instead of fetching the default one
#      LLM_THREADS threads for the model server (default: all cores); LLM_NICE its niceness (default 10)
#      EVAL_LABEL  a name for this run in the table; EVAL_OUT the JSON details
#      EVAL_ONLY   conversation names to play (space separated)
#      EVAL_BIN    a folder with prebuilt todo-backend and todo-mcp (skips the build)
#      OPENAI_BASE_URL  use an already running OpenAI-compatible server instead (then set OPENAI_MODEL)
set -euo pipefail
cd "$(dirname "$0")/../.."
here=scripts/eval-llm
work=target/eval-llm
mkdir -p "$work"

pids=()
bin=
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  [ -z "$bin" ] || rm -rf "$bin"
}
trap cleanup EXIT INT TERM

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
wait_for() { # URL SECONDS WHAT PID
  local deadline=$((SECONDS + $2))
  until python3 -c 'import sys, urllib.request; urllib.request.urlopen(sys.argv[1], timeout=2)' "$1" 2>/dev/null; do
    kill -0 "$4" 2>/dev/null || { echo "eval-llm: $3 exited; see its log in $work" >&2; exit 1; }
    [ $SECONDS -lt "$deadline" ] || { echo "eval-llm: $3 not ready after $2 s" >&2; exit 1; }
    sleep 1
  done
}

if [ -z "${OPENAI_BASE_URL:-}" ]; then
  cache="${LLM_CACHE:-$HOME/.cache/todo-llm}"
  model="${LLM_MODEL:-}"
  if [ -z "$model" ]; then
    echo "eval-llm: fetching the model server and the model (once, ~1.1 GB) into $cache…"
    model=$("$here/get-model.sh" "$cache" | tail -1)
  fi
  llm_port=$(free_port)
  echo "eval-llm: serving $(basename "$model") on 127.0.0.1:$llm_port (nice, ${LLM_THREADS:-$(nproc)} threads)…"
  TPL="$here/fenced_json_template.jinja" THREADS="${LLM_THREADS:-$(nproc)}" \
    nice -n "${LLM_NICE:-10}" "$cache/venv/bin/python" "$here/serve.py" "$model" "$llm_port" >"$work/model-server.log" 2>&1 &
  pids+=($!)
  wait_for "http://127.0.0.1:$llm_port/health" 600 "the model server" "${pids[-1]}"
  export OPENAI_BASE_URL="http://127.0.0.1:$llm_port/v1" OPENAI_MODEL="${OPENAI_MODEL:-local}"
fi

# A copy of the binaries, so that builds during the run do not swap them under it.
bin="$work/bin-$$"
mkdir -p "$bin"
if [ -n "${EVAL_BIN:-}" ]; then
  cp "$EVAL_BIN/todo-backend" "$EVAL_BIN/todo-mcp" "$bin/"
else
  echo "eval-llm: building the backend and the MCP sidecar…"
  cargo build --quiet --bins
  cp target/debug/todo-backend target/debug/todo-mcp "$bin/"
fi

port=$(free_port)
db="$work/eval-$(date +%s).db"
BETTER_AUTH_SECRET=$(head -c 32 /dev/urandom | base64 | tr -d '/+=\n')
export BETTER_AUTH_SECRET
LLM_PROVIDER=openai DATABASE_URL="sqlite://$db" HOST=127.0.0.1 PORT="$port" \
  MODEL_TIMEOUT_SECS="${MODEL_TIMEOUT_SECS:-600}" OPENAI_API_KEY="${OPENAI_API_KEY:-}" \
  "$bin/todo-backend" >"$work/backend.log" 2>&1 &
pids+=($!)
wait_for "http://127.0.0.1:$port/readyz" 120 "the backend" "${pids[-1]}"

echo "eval-llm: cores: $(nproc); load average before the run: $(cut -d' ' -f1-3 /proc/loadavg)"
# shellcheck disable=SC2086
python3 "$here/eval.py" "http://127.0.0.1:$port" --label "${EVAL_LABEL:-$(git rev-parse --short HEAD 2>/dev/null || echo run)}" \
  --out "${EVAL_OUT:-$work/results-$(date +%Y%m%d-%H%M%S).json}" ${EVAL_ONLY:+--only $EVAL_ONLY}
echo "eval-llm: load average after the run: $(cut -d' ' -f1-3 /proc/loadavg)"
