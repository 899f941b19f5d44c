#!/usr/bin/env bash
# Builds the images from the Containerfile with podman (or CONTAINER_ENGINE=docker):
#   $IMAGE_PREFIX-backend:$IMAGE_TAG, $IMAGE_PREFIX-mcp:$IMAGE_TAG, $IMAGE_PREFIX-frontend:$IMAGE_TAG
#
# Usage: scripts/deploy/images.sh [backend] [mcp-sidecar] [frontend]   (default: all three)
#
#   RUST_BINARIES=source    compile inside the builder stage (default of the Containerfile)
#   RUST_BINARIES=prebuilt  reuse `cargo build --release` of this host (fast; what CI does)
#   PREBUILT_PROFILE=debug  with prebuilt: copy the dev-profile binaries instead (reuses the
#                           build `cargo test` already made; larger images, same behaviour)
#   BASES=official|local|auto  official registry images, or the stand-ins made by
#                           base-images.sh; auto (default) = local when they exist
#   CONTAINER_ENGINE=podman|docker   (default podman)
source "$(dirname "$0")/lib.sh"
ENGINE="${CONTAINER_ENGINE:-podman}"
case "$ENGINE" in
  podman) podman_prepare; layers=(--layers) ;;
  docker) command -v docker >/dev/null || die "docker is not installed"; layers=() ;;
  *) die "CONTAINER_ENGINE must be podman or docker" ;;
esac

RUST_BINARIES="${RUST_BINARIES:-prebuilt}"
BASES="${BASES:-auto}"
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(backend mcp-sidecar frontend)

if [ "$BASES" = auto ]; then
  BASES=official
  if [ "$ENGINE" = podman ] && image_exists localhost/debian:bookworm && image_exists localhost/distroless-cc:nonroot; then BASES=local; fi
fi
args=(--build-arg "RUST_BINARIES=$RUST_BINARIES"
      --build-arg "VERSION=$(sed -n 's/^version = "\(.*\)"/\1/p' "$ROOT/Cargo.toml" | head -1)"
      --build-arg "REVISION=$(git -C "$ROOT" rev-parse HEAD 2>/dev/null || echo unknown)"
      --build-arg "CREATED=$(date -u +%Y-%m-%dT%H:%M:%SZ)")
if [ "$BASES" = local ]; then
  args+=(--build-arg RUST_BUILDER_IMAGE=localhost/rust:1-bookworm
         --build-arg RUST_RUNTIME_IMAGE=localhost/distroless-cc:nonroot
         --build-arg DEBIAN_IMAGE=localhost/debian:bookworm
         --build-arg NODE_IMAGE=localhost/node-build:24-bookworm-slim
         --build-arg NODE_RUNTIME_IMAGE=localhost/node:24-bookworm-slim)
fi
log "bases: $BASES, Rust binaries: $RUST_BINARIES"

needs_rust=0
for t in "${targets[@]}"; do case "$t" in backend|mcp-sidecar) needs_rust=1 ;; esac; done
PREBUILT_PROFILE="${PREBUILT_PROFILE:-release}"
if [ "$needs_rust" = 1 ] && [ "$RUST_BINARIES" = prebuilt ]; then
  t0=$SECONDS
  case "$PREBUILT_PROFILE" in
    release) profile_args=(--release); out=release ;;
    debug) profile_args=(); out=debug ;;
    *) die "PREBUILT_PROFILE must be release or debug" ;;
  esac
  log "cargo build ${profile_args[*]} (host)"
  (cd "$ROOT" && cargo build "${profile_args[@]}" --locked --bin todo-backend --bin todo-mcp)
  mkdir -p "$ROOT/artifacts/prebuilt"
  install -m 0755 "${CARGO_TARGET_DIR:-$ROOT/target}/$out/todo-backend" \
                  "${CARGO_TARGET_DIR:-$ROOT/target}/$out/todo-mcp" "$ROOT/artifacts/prebuilt/"
  log "host $out build: $((SECONDS - t0))s"
fi

status=0
for t in "${targets[@]}"; do
  case "$t" in
    backend) image="$IMAGE_PREFIX-backend:$IMAGE_TAG" ;;
    mcp-sidecar) image="$IMAGE_PREFIX-mcp:$IMAGE_TAG" ;;
    frontend)
      image="$IMAGE_PREFIX-frontend:$IMAGE_TAG"
      if [ ! -f "$ROOT/frontend/package-lock.json" ]; then
        log "skip frontend: frontend/package-lock.json does not exist yet"; continue
      fi ;;
    *) die "unknown target $t (backend, mcp-sidecar, frontend)" ;;
  esac
  t0=$SECONDS
  if "$ENGINE" build ${layers[@]+"${layers[@]}"} --target "$t" -t "$image" -f "$ROOT/Containerfile" "${args[@]}" "$ROOT"; then
    pass "image $image built in $((SECONDS - t0))s ($("$ENGINE" image inspect --format '{{.Size}}' "$image" | numfmt --to=iec) )"
  else
    fail "image $image"; status=1
  fi
done
# A rebuilt tag leaves its old image behind, untagged; drop those so repeated
# runs on one machine do not fill its disk.
"$ENGINE" image prune -f >/dev/null || true
"$ENGINE" images --filter "reference=$IMAGE_PREFIX-*" --format '{{.Repository}}:{{.Tag}}  {{.Size}}'
exit $status
