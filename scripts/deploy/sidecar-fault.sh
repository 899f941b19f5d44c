#!/usr/bin/env bash
# Breaks the MCP sidecar of an installed release on purpose, and heals it
# (the failure demo of docs/demo.md). No YAML to edit: each mode is the chart
# value demo.sidecarFault, applied with `helm upgrade --reset-then-reuse-values`
# (every other value of the release stays as installed).
#
#   sidecar-fault.sh crash    the sidecar panics on start: restarts, CrashLoopBackOff
#   sidecar-fault.sh hang     the sidecar holds its port and never answers
#   sidecar-fault.sh bad-db   the sidecar gets a developer's DATABASE_URL (127.0.0.1)
#   sidecar-fault.sh heal     back to healthy (waits for the rollout)
#   sidecar-fault.sh status   the backend pods, their readiness and the sidecar's last events
#
# HELM_RELEASE (todo), K8S_NAMESPACE (todo). Needs helm >= 3.14 and kubectl.
source "$(dirname "$0")/lib.sh"

RELEASE="${HELM_RELEASE:-todo}"
NAMESPACE="${K8S_NAMESPACE:-todo}"
SELECTOR="app.kubernetes.io/instance=$RELEASE,app.kubernetes.io/component=backend"

need() { command -v "$1" >/dev/null || die "$1 is not installed"; }
need helm; need kubectl

upgrade() { # fault, extra helm args...
  local fault="$1"; shift
  helm status "$RELEASE" -n "$NAMESPACE" >/dev/null 2>&1 \
    || die "no release $RELEASE in namespace $NAMESPACE (install it first: docs/minikube.md)"
  log "helm upgrade $RELEASE --set demo.sidecarFault=${fault:-\"\"}"
  helm upgrade "$RELEASE" "$CHART" -n "$NAMESPACE" --reset-then-reuse-values \
    --set-string "demo.sidecarFault=$fault" "$@" >/dev/null
}

status() {
  kubectl -n "$NAMESPACE" get pods -l "$SELECTOR" \
    -o custom-columns='POD:.metadata.name,READY:.status.containerStatuses[*].ready,RESTARTS:.status.containerStatuses[*].restartCount,STATE:.status.containerStatuses[*].state.*.reason,CONTAINERS:.status.containerStatuses[*].name'
  echo "--- last warnings"
  kubectl -n "$NAMESPACE" get events --field-selector type=Warning --sort-by=.lastTimestamp 2>/dev/null | tail -5
}

case "${1:-}" in
  crash|hang|bad-db)
    upgrade "$1"
    case "$1" in
      crash)  expect="mcp-sidecar restarts, then CrashLoopBackOff; pods 1/2 ready; chat answers 503" ;;
      hang)   expect="mcp-sidecar Running but not answering: startup/liveness probes time out, restarts; chat answers 503 after the tool timeout" ;;
      bad-db) expect="mcp-sidecar exits at start (cannot open the database), restarts, CrashLoopBackOff; pods 1/2 ready; chat answers 503" ;;
    esac
    log "fault '$1' rolling out to every backend pod; expect within a minute: $expect"
    log "watch: kubectl -n $NAMESPACE get pods -l $SELECTOR -w    heal: $0 heal"
    sleep "${FAULT_SETTLE_SECONDS:-20}"
    status ;;
  heal)
    upgrade "" --wait --timeout 5m
    status ;;
  status)
    status ;;
  *)
    sed -n '2,14p' "$0"; exit 2 ;;
esac
