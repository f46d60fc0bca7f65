#!/usr/bin/env bash
# Starts a Docker engine if none answers, and stops only the one it started.
#
#   bash app/container/engine.sh start STATE_DIR   # exit 0: an engine answers
#   bash app/container/engine.sh stop  STATE_DIR   # stops it if `start` started it
#
# Uses Debian's docker.io package (dockerd 20.10), installing it with apt-get
# when dockerd is missing (as root). Storage: overlay2, else vfs. On failure
# `start` exits non-zero and prints why on its last line.
set -euo pipefail

cmd="${1:-}"
STATE="${2:-}"
[ -n "$STATE" ] || { echo "usage: engine.sh start|stop STATE_DIR" >&2; exit 2; }
mkdir -p "$STATE"

answers() { timeout 5 docker info >/dev/null 2>&1; }

start() {
  if answers; then
    echo "engine.sh: a Docker engine already answers; using it" >&2
    return 0
  fi
  if ! command -v dockerd >/dev/null; then
    if [ "$(id -u)" -ne 0 ]; then
      echo "engine.sh: dockerd is not installed and this is not root: cannot install docker.io" >&2
      return 1
    fi
    echo "engine.sh: installing Debian's docker.io" >&2
    DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends docker.io >"$STATE/apt.log" 2>&1 \
      || { DEBIAN_FRONTEND=noninteractive apt-get update >>"$STATE/apt.log" 2>&1 \
           && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends docker.io >>"$STATE/apt.log" 2>&1; } \
      || { tail -n 5 "$STATE/apt.log" >&2; echo "engine.sh: could not install docker.io" >&2; return 1; }
  fi
  if [ "$(id -u)" -ne 0 ]; then
    echo "engine.sh: no engine answers, and only root can start dockerd" >&2
    return 1
  fi
  local driver i
  for driver in overlay2 vfs; do
    dockerd --storage-driver="$driver" >"$STATE/dockerd.log" 2>&1 &
    echo $! > "$STATE/dockerd.pid"
    for i in $(seq 1 60); do
      if answers; then
        echo "engine.sh: started dockerd (pid $(cat "$STATE/dockerd.pid"), $driver)" >&2
        return 0
      fi
      kill -0 "$(cat "$STATE/dockerd.pid")" 2>/dev/null || break
      sleep 0.5
    done
    stop_started
  done
  tail -n 5 "$STATE/dockerd.log" >&2 || true
  echo "engine.sh: dockerd did not start with overlay2 or vfs (log above)" >&2
  return 1
}

stop_started() {
  [ -f "$STATE/dockerd.pid" ] || return 0
  local pid i
  pid="$(cat "$STATE/dockerd.pid")"
  rm -f "$STATE/dockerd.pid"
  kill -TERM "$pid" 2>/dev/null || return 0
  for i in $(seq 1 60); do
    kill -0 "$pid" 2>/dev/null || { echo "engine.sh: stopped the dockerd it started" >&2; return 0; }
    sleep 0.5
  done
  kill -KILL "$pid" 2>/dev/null || true
}

case "$cmd" in
  start) start ;;
  stop) stop_started ;;
  *) echo "usage: engine.sh start|stop STATE_DIR" >&2; exit 2 ;;
esac
