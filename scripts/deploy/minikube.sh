#!/usr/bin/env bash
# Minikube helpers behind the `make minikube-*` targets (docs/minikube.md
# explains each step).
#   minikube.sh images   build the three images inside the cluster's runtime
#   minikube.sh deploy   helm upgrade --install with secrets from the environment
#   minikube.sh open     open the frontend in the browser
#   minikube.sh test     helm test + pod status
#   minikube.sh delete   helm uninstall
source "$(dirname "$0")/lib.sh"

RELEASE="${HELM_RELEASE:-todo}"
NAMESPACE="${K8S_NAMESPACE:-todo}"
TAG="${MINIKUBE_IMAGE_TAG:-$(sed -n 's/^appVersion: *"\{0,1\}\([^"]*\)"\{0,1\}$/\1/p' "$CHART/Chart.yaml")}"
ENV_FILE="$TOOLS/minikube.env"

need() { command -v "$1" >/dev/null || die "$1 is not installed"; }

case "${1:-}" in
  images)
    need minikube
    for target in backend:todo-backend mcp-sidecar:todo-mcp frontend:todo-frontend; do
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
          --set-string "secrets.openaiApiKey=${OPENAI_API_KEY:-}"
          --set frontend.service.type=NodePort)
    if [ -n "${DATABASE_URL:-}" ]; then
      args+=(--set-string "secrets.databaseUrl=$DATABASE_URL")
    else
      if [ -z "${POSTGRES_PASSWORD:-}" ]; then POSTGRES_PASSWORD="$(gen)"; echo "POSTGRES_PASSWORD='$POSTGRES_PASSWORD'" >> "$ENV_FILE"; fi
      args+=(--set postgresql.enabled=true --set-string "postgresql.auth.password=$POSTGRES_PASSWORD")
    fi
    [ -n "${FRONTEND_URL:-}" ] && args+=(--set-string "frontend.betterAuthUrl=$FRONTEND_URL")
    helm upgrade --install "$RELEASE" "$CHART" --namespace "$NAMESPACE" --create-namespace \
      "${args[@]}" ${HELM_EXTRA_ARGS:-} --wait --timeout 10m
    kubectl -n "$NAMESPACE" get pods,svc,hpa ;;
  open)
    need minikube
    # The chart's fullname: the release name alone when it contains "todo".
    case "$RELEASE" in *todo*) base="$RELEASE" ;; *) base="$RELEASE-todo" ;; esac
    minikube service "$base-frontend" -n "$NAMESPACE" ${MINIKUBE_SERVICE_ARGS:-} ;;
  test)
    need helm; need kubectl
    helm test "$RELEASE" -n "$NAMESPACE" --logs
    kubectl -n "$NAMESPACE" get pods -o wide ;;
  delete)
    need helm
    helm uninstall "$RELEASE" -n "$NAMESPACE" ;;
  *)
    sed -n '2,9p' "$0"; exit 2 ;;
esac
