#!/usr/bin/env bash
# A real Docker engine for the tests.
#
#   scripts/test-docker.sh start   reuse $DOCKER_HOST if it answers /_ping; otherwise
#                                  install Debian's docker.io + busybox-static (as root),
#                                  start a throwaway dockerd on a private socket and data
#                                  root, and import the busybox test image
#   scripts/test-docker.sh stop    stop the throwaway dockerd (never a reused engine)
#   scripts/test-docker.sh env     exit 0 if an engine answers already
#
# stdout carries exactly one line, DOCKER_HOST=<url>; everything else goes to stderr.
# Override the working directory with LOGWARDEN_TEST_DOCKER_DIR (default /tmp/lwd).
set -euo pipefail

DIR="${LOGWARDEN_TEST_DOCKER_DIR:-/tmp/lwd}"
SOCK="$DIR/docker.sock"
OWN_HOST="unix://$SOCK"
PIDFILE="$DIR/dockerd.pid"
IMAGE="logwarden-test/busybox:latest"

log() { echo "test-docker: $*" >&2; }

ping_host() { # $1 = DOCKER_HOST url
  local host="$1"
  case "$host" in
    unix://*) curl -fsS --max-time 3 --unix-socket "${host#unix://}" http://d/_ping >/dev/null 2>&1 ;;
    tcp://*) [ -z "${DOCKER_TLS_VERIFY:-}" ] && curl -fsS --max-time 3 "http://${host#tcp://}/_ping" >/dev/null 2>&1 ;;
    *) return 1 ;;
  esac
}

find_engine() {
  if [ -n "${DOCKER_HOST:-}" ] && ping_host "$DOCKER_HOST"; then echo "$DOCKER_HOST"; return 0; fi
  if ping_host "$OWN_HOST"; then echo "$OWN_HOST"; return 0; fi
  return 1
}

install_packages() {
  local missing=()
  [ -x /usr/sbin/dockerd ] || missing+=(docker.io)
  [ -x /bin/busybox ] || missing+=(busybox-static)
  [ ${#missing[@]} -eq 0 ] && return 0
  if [ "$(id -u)" != 0 ]; then
    log "need root to install ${missing[*]} (or set DOCKER_HOST to a running engine)"
    exit 1
  fi
  log "installing ${missing[*]} from Debian"
  # Keep the package's own service from starting: we run our own dockerd.
  printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d && chmod +x /usr/sbin/policy-rc.d
  export DEBIAN_FRONTEND=noninteractive
  apt-get install -y -qq "${missing[@]}" >&2 || { apt-get update -qq >&2 && apt-get install -y -qq "${missing[@]}" >&2; }
  rm -f /usr/sbin/policy-rc.d
}

start_dockerd() {
  mkdir -p "$DIR/data" "$DIR/exec"
  rm -f "$SOCK"
  # Left by an engine that died or hangs (no answer to /_ping got us here): dockerd
  # refuses to start while the pid file exists. Ours alone, so clear it.
  if [ -f "$PIDFILE" ]; then
    old_pid="$(cat "$PIDFILE")"
    if ps -o stat= -p "$old_pid" 2>/dev/null | grep -qv Z; then kill -9 "$old_pid" 2>/dev/null || true; fi
    log "removing stale $PIDFILE"
    rm -f "$PIDFILE"
  fi
  find "$DIR/exec" -name '*.pid' -delete 2>/dev/null || true
  log "starting dockerd on $SOCK"
  nohup /usr/sbin/dockerd \
    --iptables=false --ip6tables=false --bridge=none --storage-driver=vfs \
    --data-root "$DIR/data" --exec-root "$DIR/exec" --pidfile "$PIDFILE" \
    -H "$OWN_HOST" >"$DIR/dockerd.log" 2>&1 &
  for _ in $(seq 1 120); do
    if ping_host "$OWN_HOST"; then return 0; fi
    sleep 0.5
  done
  log "dockerd did not answer within 60 s; its log:"
  tail -n 40 "$DIR/dockerd.log" >&2 || true
  exit 1
}

ensure_image() { # $1 = DOCKER_HOST url
  if DOCKER_HOST="$1" docker image inspect "$IMAGE" >/dev/null 2>&1; then return 0; fi
  [ -x /bin/busybox ] || install_packages
  log "importing $IMAGE from busybox-static"
  local rootfs
  rootfs="$(mktemp -d)"
  mkdir -p "$rootfs/bin" "$rootfs/tmp" "$rootfs/etc"
  cp /bin/busybox "$rootfs/bin/busybox"
  for applet in $(/bin/busybox --list); do
    [ "$applet" = busybox ] || ln -sf busybox "$rootfs/bin/$applet"
  done
  echo 'root:x:0:0:root:/:/bin/sh' >"$rootfs/etc/passwd"
  tar -C "$rootfs" -c . | DOCKER_HOST="$1" docker import -c 'ENV PATH=/bin' - "$IMAGE" >/dev/null
  rm -rf "$rootfs"
}

cmd="${1:-}"
case "$cmd" in
  env)
    host="$(find_engine)" || exit 1
    echo "DOCKER_HOST=$host"
    ;;
  start)
    if ! host="$(find_engine)"; then
      install_packages
      start_dockerd
      host="$OWN_HOST"
    fi
    command -v docker >/dev/null || { log "no docker CLI on PATH"; exit 1; }
    ensure_image "$host"
    echo "DOCKER_HOST=$host"
    ;;
  stop)
    if [ -f "$PIDFILE" ]; then
      pid="$(cat "$PIDFILE")"
      DOCKER_HOST="$OWN_HOST" docker ps -aq 2>/dev/null | xargs -r env DOCKER_HOST="$OWN_HOST" docker rm -f >/dev/null 2>&1 || true
      kill "$pid" 2>/dev/null || true
      for _ in $(seq 1 40); do kill -0 "$pid" 2>/dev/null || break; sleep 0.25; done
      kill -9 "$pid" 2>/dev/null || true
      rm -f "$PIDFILE"
      log "stopped dockerd"
    fi
    ;;
  *)
    echo "usage: $0 start|stop|env" >&2
    exit 2
    ;;
esac
