# Shared helpers for the deploy scripts (sourced, not run).
# shellcheck shell=bash
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
TOOLS="${TOOLS_DIR:-$ROOT/.tools}"
CHART="$ROOT/k8s/helm/todo"
export PATH="$TOOLS/bin:$PATH"

HELM_VERSION="${HELM_VERSION:-v3.22.0}"
KUBE_SCORE_VERSION="${KUBE_SCORE_VERSION:-v1.20.0}"
KUBERNETES_VALIDATE_VERSION="${KUBERNETES_VALIDATE_VERSION:-1.37.0}"
# Kubernetes version the manifests are validated against.
KUBE_VERSION="${KUBE_VERSION:-1.33.0}"

# Image names and the tag every script agrees on.
IMAGE_PREFIX="${IMAGE_PREFIX:-localhost/todo}"
IMAGE_TAG="${IMAGE_TAG:-dev}"

log() { printf '==> %s\n' "$*" >&2; }
pass() { printf 'PASS: %s\n' "$*"; }
fail() { printf 'FAIL: %s\n' "$*"; }
die() { printf 'FAIL: %s\n' "$*" >&2; exit 1; }

# The two adjustments podman needs on hosts whose cgroup setup is hybrid and
# whose default ulimits cannot be applied inside nested containers.
podman_prepare() {
  command -v podman >/dev/null || die "podman is not installed (apt-get install -y podman)"
  if [ "$(id -u)" = 0 ]; then
    mkdir -p /etc/containers
    if ! grep -qs 'default_ulimits' /etc/containers/containers.conf; then
      printf '[containers]\ndefault_ulimits = []\n' > /etc/containers/containers.conf
    fi
    if [ -d /sys/fs/cgroup ] && ! mountpoint -q /sys/fs/cgroup/hugetlb 2>/dev/null; then
      if grep -qs hugetlb /proc/cgroups && [ "$(stat -fc %T /sys/fs/cgroup)" != cgroup2fs ]; then
        mkdir -p /sys/fs/cgroup/hugetlb
        mount -t cgroup -o hugetlb cgroup /sys/fs/cgroup/hugetlb || true
      fi
    fi
  fi
}

image_exists() { podman image exists "$1"; }
