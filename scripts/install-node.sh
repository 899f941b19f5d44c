#!/usr/bin/env bash
# Installs Node.js 24 LTS (binary, headers, npm) on a Debian 12 machine from
# the npm registry, where Debian's own nodejs is older. The official binary is
# published there as `node-linux-<arch>` (node, and include/node for native
# modules); npm itself is the `npm` package.
#
#   scripts/install-node.sh            # /opt/node-<version>, linked from /usr/local/bin
#   PREFIX=/some/dir LINK=0 scripts/install-node.sh   # install only, no links
#
# Prints the PATH line to use. Idempotent: an existing install of the same
# version is kept. A first npm is needed to fetch the packages (any version:
# Debian's `npm` package will do).
#
# Native modules (better-sqlite3) compile against the headers in
# $PREFIX/include/node. node-gyp finds them through npm's `nodedir` setting,
# which mk/frontend.mk sets to the running node's own folder, so nothing is
# downloaded from anywhere but the npm registry.
set -euo pipefail

NODE_VERSION="${NODE_VERSION:-24.22.3}"
NPM_VERSION="${NPM_VERSION:-11.21.2}"
PREFIX="${PREFIX:-/opt/node-$NODE_VERSION}"
LINK="${LINK:-1}"

case "$(uname -m)" in
  x86_64) arch=x64 ;;
  aarch64) arch=arm64 ;;
  *) echo "install-node: unsupported machine $(uname -m)" >&2; exit 1 ;;
esac

if [ -x "$PREFIX/bin/node" ] && [ "$("$PREFIX/bin/node" --version)" = "v$NODE_VERSION" ] \
   && [ -x "$PREFIX/bin/npm" ] && [ -f "$PREFIX/include/node/node.h" ]; then
  echo "install-node: node v$NODE_VERSION already in $PREFIX" >&2
else
  command -v npm >/dev/null || {
    echo "install-node: a first npm is needed to fetch packages (apt-get install -y npm)" >&2
    exit 1
  }
  work="$(mktemp -d)"
  trap 'rm -rf "$work"' EXIT
  echo "install-node: fetching node-linux-$arch@$NODE_VERSION and npm@$NPM_VERSION" >&2
  # npm pack checks each tarball against the registry's integrity hash.
  (cd "$work" && npm pack --silent "node-linux-$arch@$NODE_VERSION" "npm@$NPM_VERSION" >/dev/null)
  rm -rf "$PREFIX.new"
  mkdir -p "$PREFIX.new/lib/node_modules/npm" "$work/node"
  tar -xzf "$work/node-linux-$arch-$NODE_VERSION.tgz" -C "$work/node"
  cp -a "$work/node/package/bin" "$work/node/package/include" "$PREFIX.new/"
  [ -d "$work/node/package/share" ] && cp -a "$work/node/package/share" "$PREFIX.new/"
  tar -xzf "$work/npm-$NPM_VERSION.tgz" -C "$PREFIX.new/lib/node_modules/npm" --strip-components=1
  ln -sfn ../lib/node_modules/npm/bin/npm-cli.js "$PREFIX.new/bin/npm"
  ln -sfn ../lib/node_modules/npm/bin/npx-cli.js "$PREFIX.new/bin/npx"
  got="$("$PREFIX.new/bin/node" --version)"
  [ "$got" = "v$NODE_VERSION" ] || { echo "install-node: unpacked node says $got" >&2; exit 1; }
  [ -f "$PREFIX.new/include/node/node.h" ] || { echo "install-node: no headers in the package" >&2; exit 1; }
  rm -rf "$PREFIX"
  mv "$PREFIX.new" "$PREFIX"
  echo "install-node: node $got and npm $("$PREFIX/bin/node" "$PREFIX/bin/npm" --version) in $PREFIX" >&2
fi

if [ "$LINK" = 1 ]; then
  mkdir -p /usr/local/bin
  for b in node npm npx; do ln -sfn "$PREFIX/bin/$b" "/usr/local/bin/$b"; done
  hash -r
  echo "install-node: /usr/local/bin/{node,npm,npx} -> $PREFIX/bin" >&2
  # A `nodedir` already in npm's user config (for example /usr, for Debian's node 20 headers)
  # would make node-gyp compile native modules against the wrong headers. npm 11
  # refuses `npm config set nodedir`, so the line is rewritten in place.
  npmrc="${HOME:-/root}/.npmrc"
  if grep -qs '^nodedir=' "$npmrc"; then
    sed -i "s|^nodedir=.*|nodedir=$PREFIX|" "$npmrc"
    echo "install-node: $npmrc nodedir set to $PREFIX" >&2
  fi
fi
echo "PATH=$PREFIX/bin:\$PATH"
