#!/usr/bin/env bash
# Minikube helpers behind the `make minikube-*` targets (docs/minikube.md
# explains each step).
#   minikube.sh images          release binaries built on this host, images from them,
#                               `minikube image load` (names and tags = the chart's defaults)
#   minikube.sh images-source   the same images compiled inside the image build
#                               (macOS/Windows, or a host whose glibc is newer than Debian 12's)
#   minikube.sh images-in-cluster  `minikube image build`: compiled inside the Minikube node
#   minikube.sh deploy          helm upgrade --install with secrets from the environment
#   minikube.sh open            kubectl port-forward of the frontend to http://localhost:3000
#   minikube.sh test            helm test + pod status
#   minikube.sh delete          helm uninstall
source "$(dirname "$0")/lib.sh"

RELEASE="${HELM_RELEASE:-todo}"
NAMESPACE="${K8S_NAMESPACE:-todo}"
TAG="${MINIKUBE_IMAGE_TAG:-$(sed -n 's/^appVersion: *"\{0,1\}\([^"]*\)"\{0,1\}$/\1/p' "$CHART/Chart.yaml")}"
ENV_FILE="$TOOLS/minikube.env"
# The chart's defaults: repository todo-backend (etc.), tag = appVersion. A
# short name means docker.io/library/NAME inside the cluster's runtime.
IMAGES=(backend:todo-backend mcp-sidecar:todo-mcp frontend:todo-frontend)

need() { command -v "$1" >/dev/null || die "$1 is not installed"; }
engine() { # docker when it is there (Docker Desktop, the Docker driver), else podman
  if [ -n "${CONTAINER_ENGINE:-}" ]; then echo "$CONTAINER_ENGINE"
  elif command -v docker >/dev/null; then echo docker
  else echo podman; fi
}
build_and_load() { # RUST_BINARIES value
  need minikube
  local eng; eng="$(engine)"; need "$eng"
  minikube status >/dev/null 2>&1 || die "minikube is not running (minikube start, docs/minikube.md)"
  local t0=$SECONDS
  CONTAINER_ENGINE="$eng" RUST_BINARIES="$1" IMAGE_PREFIX=docker.io/library/todo IMAGE_TAG="$TAG" \
    "$(dirname "$0")/images.sh" backend mcp-sidecar frontend
  if [ "$1" = prebuilt ]; then
    # Binaries linked against a newer glibc than the runtime image's (Debian 12)
    # would fail at the first start: try them in the image now.
    "$eng" run --rm --entrypoint /usr/local/bin/todo-mcp "docker.io/library/todo-mcp:$TAG" --version >/dev/null 2>&1 \
      || die "the host-built todo-mcp does not run in its image (glibc newer than Debian 12's?): use 'make minikube-images-source'"
  fi
  local tmp; tmp="$(mktemp -d)"
  for target in "${IMAGES[@]}"; do
    local image="${target#*:}:$TAG"
    log "minikube image load $image"
    if [ "$eng" = docker ]; then
      minikube image load "$image"
    else
      podman save --format docker-archive -o "$tmp/image.tar" "docker.io/library/$image"
      minikube image load "$tmp/image.tar"; rm -f "$tmp/image.tar"
    fi
  done
  rm -rf "$tmp"
  log "images built and loaded in $((SECONDS - t0))s"
  minikube image ls | grep -E 'todo-(backend|mcp|frontend)'
}

case "${1:-}" in
  images)
    # Host binaries only fit a Linux host of the image's architecture.
    if [ "$(uname -s)" = Linux ]; then build_and_load prebuilt; else build_and_load source; fi ;;
  images-source)
    build_and_load source ;;
  images-in-cluster)
    need minikube
    for target in "${IMAGES[@]}"; do
      log "minikube image build ${target#*:}:$TAG (target ${target%%:*})"
      (cd "$ROOT" && minikube image build -t "${target#*:}:$TAG" -f Containerfile \
        --build-opt="target=${target%%:*}" .)
    done
    minikube image ls | grep -E 'todo-(backend|mcp|frontend)' ;;
  deploy)
    need minikube; need kubectl; need helm
    # Secrets come from the environment; the first run generates what is
    # missing into a git-ignored file so later upgrades keep the same values.
    mkdir -p "$TOOLS"; touch "$ENV_FILE"; chmod 600 "$ENV_FILE"
    # shellcheck disable=SC1090
    source "$ENV_FILE"
    gen() { python3 -c 'import secrets; print(secrets.token_urlsafe(32))'; }
    if [ -z "${BETTER_AUTH_SECRET:-}" ]; then BETTER_AUTH_SECRET="$(gen)"; echo "BETTER_AUTH_SECRET='$BETTER_AUTH_SECRET'" >> "$ENV_FILE"; fi
    args=(--set-string "secrets.betterAuthSecret=$BETTER_AUTH_SECRET"
          --set-string "secrets.openaiApiKey=${OPENAI_API_KEY:-}")
    if [ -n "${DATABASE_URL:-}" ]; then
      args+=(--set-string "secrets.databaseUrl=$DATABASE_URL")
    else
      if [ -z "${POSTGRES_PASSWORD:-}" ]; then POSTGRES_PASSWORD="$(gen)"; echo "POSTGRES_PASSWORD='$POSTGRES_PASSWORD'" >> "$ENV_FILE"; fi
      args+=(--set postgresql.enabled=true --set-string "postgresql.auth.password=$POSTGRES_PASSWORD")
    fi
    if [ -n "${MIGRATION_DATABASE_URL:-}" ]; then args+=(--set-string "secrets.migrationDatabaseUrl=$MIGRATION_DATABASE_URL"); fi
    if [ -n "${FRONTEND_URL:-}" ]; then args+=(--set-string "frontend.betterAuthUrl=$FRONTEND_URL"); fi
    helm upgrade --install "$RELEASE" "$CHART" --namespace "$NAMESPACE" --create-namespace \
      "${args[@]}" ${HELM_EXTRA_ARGS:-} --wait --timeout 10m
    kubectl -n "$NAMESPACE" get pods,svc,hpa ;;
  open)
    need kubectl
    # The chart's fullname: the release name alone when it contains "todo".
    case "$RELEASE" in *todo*) base="$RELEASE" ;; *) base="$RELEASE-todo" ;; esac
    log "http://localhost:${LOCAL_PORT:-3000} (Ctrl-C stops the port-forward)"
    kubectl -n "$NAMESPACE" port-forward "service/$base-frontend" "${LOCAL_PORT:-3000}:80" ;;
  test)
    need helm; need kubectl
    helm test "$RELEASE" -n "$NAMESPACE" --logs
    kubectl -n "$NAMESPACE" get pods -o wide ;;
  delete)
    need helm
    helm uninstall "$RELEASE" -n "$NAMESPACE" ;;
  *)
    sed -n '2,14p' "$0"; exit 2 ;;
esac
