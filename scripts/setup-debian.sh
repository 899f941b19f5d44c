#!/usr/bin/env bash
# Installs what a fresh Debian 12 machine lacks to build, run and test the
# project (run as root). Rust, Go, Python 3.11 and a first npm are expected;
# Node 24 comes from scripts/install-node.sh.
#
# Installs use --no-install-recommends, so everything podman only
# *recommends* (the pause-image init catatonit, the network stack, rootless
# helpers) is named here explicitly. The last step checks every program the
# scripts call, the way a new machine sees it: a missing one fails here, with
# its name, not twenty minutes later in the middle of a test.
set -euo pipefail

packages=(
  postgresql postgresql-client   # the real database the tests use
  chromium fonts-noto-core       # browser end-to-end tests (playwright-core drives it; Urdu glyphs)
  podman conmon crun catatonit   # images and `podman kube play` of the chart's pod;
  netavark aardvark-dns iptables #   catatonit is the pod's pause process,
  slirp4netns fuse-overlayfs     #   netavark + iptables the pod test's network
  uidmap debootstrap             # local stand-ins for the base images
  jq curl ca-certificates procps psmisc
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

# Node 24 LTS from the npm registry (Debian's nodejs is older).
"$(dirname "$0")/install-node.sh" >/dev/null
case "$(node -p process.versions.node)" in
  24.*) ;;
  *) echo "setup: node on PATH is $(node --version), not 24 (is /usr/local/bin first?)" >&2; exit 1 ;;
esac

# Every program .ci/run, the Makefile and scripts/ call. The chart tools
# (helm, kube-score, kubernetes-validate) come from scripts/deploy/tools.sh,
# Node packages from npm ci, Python packages from tests/requirements.txt.
programs=(
  cargo rustc go node npm python3 git make
  psql pg_ctlcluster pg_createcluster pg_lsclusters pg_isready runuser
  chromium
  podman conmon crun catatonit netavark aardvark-dns iptables slirp4netns fuse-overlayfs
  newuidmap debootstrap
  jq curl tar gzip sha256sum awk sed grep ps pkill
)
absent=()
for prog in "${programs[@]}"; do
  command -v "$prog" >/dev/null 2>&1 && continue
  # podman looks for its helpers in /usr/libexec/podman as well as on PATH.
  [ -x "/usr/libexec/podman/$prog" ] && continue
  [ -x "/usr/lib/podman/$prog" ] && continue
  absent+=("$prog")
done
if ((${#absent[@]})); then
  echo "setup: missing programs: ${absent[*]}" >&2
  exit 1
fi
echo "setup: system packages ready (${#programs[@]} programs checked)"
