#!/usr/bin/env bash
# Conformance of the chat endpoint with ChatKit's protocol: builds the two
# binaries, then runs the pytest suite against the real backend and sidecar.
#   tests/chatkit/run.sh [pytest args]     VENV=... to use another virtualenv
#   TEST_DATABASE_URL=postgres://...       also runs the suite on PostgreSQL
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
venv="${VENV:-$root/.venv}"
if [ ! -x "$venv/bin/python" ]; then
  python3 -m venv "$venv"
fi
if ! "$venv/bin/python" -c 'import chatkit, jwt, pytest, requests' 2>/dev/null; then
  "$venv/bin/pip" install --quiet -r "$root/tests/requirements.txt"
fi
if [ -z "${SKIP_BUILD:-}" ]; then
  (cd "$root" && cargo build --bins --quiet)
fi
cd "$root"
exec "$venv/bin/python" -m pytest -q -rs tests/chatkit "$@"
