#!/usr/bin/env bash
# Builds the frontend image and runs it as the chart does (read-only root,
# non-root user, /tmp as the only writable place): /healthz must answer.
source "$(dirname "$0")/lib.sh"
podman_prepare
"$(dirname "$0")/base-images.sh" node >/dev/null
"$(dirname "$0")/images.sh" frontend

name="todo-frontend-smoke-$$"
port="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
trap 'podman rm -f "$name" >/dev/null 2>&1 || true' EXIT
podman run -d --name "$name" --network host --read-only --tmpfs /tmp \
  -e HOST=127.0.0.1 -e PORT="$port" -e AUTH_SQLITE_PATH=/tmp/auth.db \
  -e BETTER_AUTH_SECRET="$(python3 -c 'import secrets; print(secrets.token_hex(24))')" \
  "$IMAGE_PREFIX-frontend:$IMAGE_TAG" >/dev/null
for _ in $(seq 1 100); do
  if curl -fsS "http://127.0.0.1:$port/healthz" >/dev/null 2>&1; then
    user="$(podman inspect -f '{{.Config.User}}' "$name")"
    pass "frontend image serves /healthz read-only as user $user"
    podman images --format '{{.Repository}}:{{.Tag}}  {{.Size}}' "$IMAGE_PREFIX-frontend:$IMAGE_TAG"
    echo "frontend-smoke: 1 passed, 0 failed"
    exit 0
  fi
  sleep 0.2
done
podman logs "$name" >&2 || true
fail "frontend image did not answer /healthz"
echo "frontend-smoke: 0 passed, 1 failed"
exit 1
