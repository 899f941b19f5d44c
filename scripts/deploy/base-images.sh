#!/usr/bin/env bash
# Builds local stand-ins for the official base images named in the
# Containerfile, for machines that can reach Debian's package mirror but no
# container registry. With a registry, skip this script entirely.
#
#   localhost/debian:bookworm            debootstrap --variant=minbase
#   localhost/rust:1-bookworm            the above + gcc/make + this host's Rust toolchain
#   localhost/distroless-cc:nonroot      FROM scratch + glibc + libgcc (like gcr.io/distroless/cc)
#   localhost/node:24-bookworm-slim      the Debian base + this host's node and npm
#   localhost/node-build:24-bookworm-slim  the above, for build stages (see below)
#
# The images used by build stages (rust, node-build) trust the same
# certificate authorities as this host (HOST_CA_BUNDLE), so crate and npm
# downloads inside a build also work behind a TLS-inspecting proxy. Runtime
# bases (distroless-cc, node) get nothing of the kind.
#
# Usage: base-images.sh [debian] [distroless-cc] [rust] [node]   (default: all)
# The pod test needs only debian and distroless-cc (with RUST_BINARIES=prebuilt).
# Existing images are kept; FORCE=1 rebuilds them.
source "$(dirname "$0")/lib.sh"
podman_prepare

MIRROR="${DEBIAN_MIRROR:-http://deb.debian.org/debian}"
ROOTFS="$TOOLS/rootfs/bookworm"
STAGE="$TOOLS/stage"
FORCE="${FORCE:-0}"
# `podman import` sets no environment; the official images define PATH.
STD_PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
HOST_CA_BUNDLE="${HOST_CA_BUNDLE:-/etc/ssl/certs/ca-certificates.crt}"
# Copies the host's CA bundle into a build context ($1) when there is one.
ca_into() {
  if [ -f "$HOST_CA_BUNDLE" ]; then cp "$HOST_CA_BUNDLE" "$1/ca-bundle.crt"; else : > "$1/ca-bundle.crt"; fi
}
CA_STEPS='COPY ca-bundle.crt /tmp/ca-bundle.crt
RUN if [ -s /tmp/ca-bundle.crt ]; then mkdir -p /etc/ssl/certs && mv /tmp/ca-bundle.crt /etc/ssl/certs/ca-certificates.crt; else rm /tmp/ca-bundle.crt; fi
ENV SSL_CERT_FILE=/etc/ssl/certs/ca-certificates.crt CARGO_HTTP_CAINFO=/etc/ssl/certs/ca-certificates.crt NODE_EXTRA_CA_CERTS=/etc/ssl/certs/ca-certificates.crt'

WANTED=" ${*:-debian distroless-cc rust node} "
# want IMAGE: asked for (by its short name) and missing (or FORCE=1).
want() {
  local short="${1#localhost/}"; short="${short%%:*}"; short="${short%-build}"
  case "$WANTED" in *" $short "*) ;; *) return 1 ;; esac
  [ "$FORCE" = 1 ] || ! image_exists "$1"
}

ensure_rootfs() {
  [ -x "$ROOTFS/bin/bash" ] && return 0
  command -v debootstrap >/dev/null || die "debootstrap is not installed (apt-get install -y debootstrap)"
  log "debootstrap bookworm into $ROOTFS"
  rm -rf "$ROOTFS"; mkdir -p "$(dirname "$ROOTFS")"
  debootstrap --variant=minbase bookworm "$ROOTFS" "$MIRROR" > "$TOOLS/debootstrap.log" 2>&1 \
    || die "debootstrap failed, see $TOOLS/debootstrap.log"
  rm -rf "$ROOTFS"/var/cache/apt/archives/*.deb "$ROOTFS"/var/lib/apt/lists/*
}

if want localhost/debian:bookworm; then
  ensure_rootfs
  log "import localhost/debian:bookworm"
  tar -C "$ROOTFS" -c . | podman import -q --change "ENV PATH=$STD_PATH" --change 'CMD ["/bin/bash"]' \
    - localhost/debian:bookworm >/dev/null
fi

if want localhost/distroless-cc:nonroot; then
  ensure_rootfs
  log "assemble localhost/distroless-cc:nonroot (glibc + libgcc only)"
  rm -rf "$STAGE/cc"; mkdir -p "$STAGE/cc/etc" "$STAGE/cc/tmp" "$STAGE/cc/home/nonroot"
  chmod 1777 "$STAGE/cc/tmp"
  # Every file of the runtime packages a Rust binary linked against glibc needs.
  { chroot "$ROOTFS" dpkg -L libc6 libgcc-s1 base-files tzdata 2>/dev/null || true; } \
    | sed -E 's#^/(bin|sbin|lib|lib64)/#/usr/\1/#' | sort -u \
    | while read -r f; do
        if [ -f "$ROOTFS$f" ] || [ -L "$ROOTFS$f" ]; then printf '%s\n' "${f#/}"; fi
      done \
    > "$STAGE/cc.list"
  tar -C "$ROOTFS" -c --no-recursion -T "$STAGE/cc.list" | tar -C "$STAGE/cc" -x
  # usrmerge: /lib, /lib64, /bin point into /usr as in the real image.
  for l in bin lib lib64 sbin; do [ -L "$ROOTFS/$l" ] && ln -sfn "$(readlink "$ROOTFS/$l")" "$STAGE/cc/$l"; done
  # Debian's Mozilla CA bundle, as distroless ships it (reqwest's rustls
  # verifier reads the system store).
  mkdir -p "$STAGE/cc/etc/ssl/certs"
  if [ -d /usr/share/ca-certificates/mozilla ]; then
    cat /usr/share/ca-certificates/mozilla/*.crt > "$STAGE/cc/etc/ssl/certs/ca-certificates.crt"
  fi
  printf 'root:x:0:0:root:/root:/sbin/nologin\nnonroot:x:65532:65532:nonroot:/home/nonroot:/sbin/nologin\n' > "$STAGE/cc/etc/passwd"
  printf 'root:x:0:\nnonroot:x:65532:\n' > "$STAGE/cc/etc/group"
  tar -C "$STAGE/cc" -c . | podman import -q --change "ENV PATH=$STD_PATH" --change 'USER 65532:65532' --change 'WORKDIR /home/nonroot' \
    - localhost/distroless-cc:nonroot >/dev/null
fi

if want localhost/rust:1-bookworm; then
  command -v rustc >/dev/null || die "rustc is not installed on this host"
  SYSROOT="$(rustc --print sysroot)"
  log "build localhost/rust:1-bookworm from $SYSROOT ($(rustc --version))"
  rm -rf "$STAGE/rust"; mkdir -p "$STAGE/rust/toolchain"
  # The toolchain without its documentation (share/) is what cargo needs.
  for d in bin lib libexec etc; do [ -d "$SYSROOT/$d" ] && cp -a "$SYSROOT/$d" "$STAGE/rust/toolchain/"; done
  ca_into "$STAGE/rust"
  cat > "$STAGE/rust/Containerfile" <<CF
FROM localhost/debian:bookworm
RUN apt-get update \\
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \\
      ca-certificates gcc g++ libc6-dev make pkg-config \\
 && rm -rf /var/lib/apt/lists/*
$CA_STEPS
COPY toolchain/ /usr/local/
ENV CARGO_HOME=/usr/local/cargo PATH=/usr/local/cargo/bin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
RUN mkdir -p /usr/local/cargo/bin && rustc --version && cargo --version
CF
  podman build -q -t localhost/rust:1-bookworm "$STAGE/rust" >/dev/null
  rm -rf "$STAGE/rust"
fi

if want localhost/node:24-bookworm-slim; then
  command -v node >/dev/null || die "node is not installed on this host"
  NODE_BIN="$(readlink -f "$(command -v node)")"
  NPM_DIR="$(dirname "$(readlink -f "$(command -v npm)")")/.."
  NPM_DIR="$(cd "$NPM_DIR" && pwd)"
  log "build localhost/node:24-bookworm-slim from $NODE_BIN ($(node --version))"
  case "$(node --version)" in v24.*) ;; *) log "warning: host node is $(node --version), not 24" ;; esac
  rm -rf "$STAGE/node"; mkdir -p "$STAGE/node/bin" "$STAGE/node/lib/node_modules"
  cp "$NODE_BIN" "$STAGE/node/bin/node"
  cp -a "$NPM_DIR" "$STAGE/node/lib/node_modules/npm"
  cat > "$STAGE/node/Containerfile" <<'CF'
FROM localhost/debian:bookworm
COPY bin/node /usr/local/bin/node
COPY lib/node_modules/npm /usr/local/lib/node_modules/npm
RUN ln -s ../lib/node_modules/npm/bin/npm-cli.js /usr/local/bin/npm \
 && ln -s ../lib/node_modules/npm/bin/npx-cli.js /usr/local/bin/npx \
 && groupadd --gid 1000 node && useradd --uid 1000 --gid node --shell /bin/bash --create-home node \
 && node --version && npm --version
CMD ["node"]
CF
  podman build -q -t localhost/node:24-bookworm-slim "$STAGE/node" >/dev/null
  rm -rf "$STAGE/node"
fi

if want localhost/node-build:24-bookworm-slim; then
  log "build localhost/node-build:24-bookworm-slim"
  rm -rf "$STAGE/node-build"; mkdir -p "$STAGE/node-build"
  ca_into "$STAGE/node-build"
  # Node's headers, as the official image ships them, so node-gyp compiles
  # native modules without downloading headers.
  NODE_INCLUDE="$(dirname "$(dirname "$(readlink -f "$(command -v node)")")")/include/node"
  mkdir -p "$STAGE/node-build/include"
  if [ -d "$NODE_INCLUDE" ]; then cp -a "$NODE_INCLUDE" "$STAGE/node-build/include/node"; fi
  printf 'FROM localhost/node:24-bookworm-slim\nCOPY include/ /usr/local/include/\nENV npm_config_nodedir=/usr/local\n%s\n' \
    "$CA_STEPS" > "$STAGE/node-build/Containerfile"
  podman build -q -t localhost/node-build:24-bookworm-slim "$STAGE/node-build" >/dev/null
  rm -rf "$STAGE/node-build"
fi

podman images --format '{{.Repository}}:{{.Tag}} {{.Size}}' | grep -E '^localhost/(debian|rust|distroless-cc|node|node-build):' || true
