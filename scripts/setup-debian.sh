#!/usr/bin/env bash
# Installs what a fresh Debian 12 machine lacks to build, run and test the
# project (run as root). Rust, Go, Node 20 and Python 3.11 are expected.
set -euo pipefail

packages=(
  postgresql postgresql-client   # the real database the tests use
  chromium                       # browser end-to-end tests (playwright-core drives it)
  podman debootstrap uidmap      # images and `podman kube play` of the chart's pod
  slirp4netns fuse-overlayfs
  jq curl ca-certificates
)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  echo "setup: installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
for tool in cargo go node npm python3; do
  command -v "$tool" >/dev/null || { echo "setup: $tool is required but missing" >&2; exit 1; }
done
echo "setup: system packages ready"
