#!/usr/bin/env bash
# The container tests: builds the image from app/ as the Dockerfile says and
# runs it with a real engine (container/test_image.py says what is checked).
#
#   bash app/container/test.sh [pytest args...]
#
# Starts a Docker engine if none answers (engine.sh) and stops it at the end if
# it started it; builds or reuses the stand-in bases (bases.sh); starts
# PostgreSQL and Redis on the host, on loopback and the bridge address, in a
# temporary directory. The tests serve the local package index to each build.
#
# Where no engine can start, the tests are skipped with the reason, loudly,
# and the script exits 0, unless CONTAINER_TESTS_REQUIRED=1 (CI sets it):
# then it fails.
set -euo pipefail

APP_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
HERE="$APP_DIR/container"
SERVICES=(bash "$APP_DIR/scripts/services.sh")

WORK="$(mktemp -d "${TMPDIR:-/tmp}/flask-multicloud-container.XXXXXX")"
chmod 755 "$WORK"
cleanup() {
  "${SERVICES[@]}" down "$WORK" || true
  bash "$HERE/engine.sh" stop "$WORK/engine" || true
  rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

engine_ok=0
bash "$HERE/engine.sh" start "$WORK/engine" 2>"$WORK/engine.log" || engine_ok=$?
cat "$WORK/engine.log" >&2
if [ "$engine_ok" -ne 0 ]; then
  reason="$(tail -n 1 "$WORK/engine.log")"
  if [ "${CONTAINER_TESTS_REQUIRED:-0}" = 1 ]; then
    echo "container tests: FAILED, no Docker engine could start and CONTAINER_TESTS_REQUIRED=1: $reason" >&2
    exit 1
  fi
  echo "########################################################################" >&2
  echo "## container tests SKIPPED: no Docker engine could start." >&2
  echo "## Reason: $reason" >&2
  echo "########################################################################" >&2
  exit 0
fi

if ! command -v mmdebstrap >/dev/null && [ "$(id -u)" -eq 0 ]; then
  DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends mmdebstrap >"$WORK/apt.log" 2>&1 \
    || { cat "$WORK/apt.log" >&2; exit 1; }
fi
bases="$(bash "$HERE/bases.sh")"
set -a  # export BUILDER_IMAGE and RUNTIME_IMAGE, for the builds in the tests
eval "$bases"
set +a
VENV="$(bash "$APP_DIR/scripts/venv.sh")"

read -r gateway subnet < <("$VENV/bin/python" "$HERE/build.py" bridge)
export SERVICES_LISTEN="127.0.0.1,$gateway" SERVICES_ALLOW_CIDR="$subnet"
servers="$("${SERVICES[@]}" up "$WORK" CONTAINER)"
set -a  # export CONTAINER_PG_PORT, CONTAINER_PG_PASSWORD, CONTAINER_REDIS_PORT, CONTAINER_REDIS_PASSWORD
eval "$servers"
set +a
export CONTAINER_HOST="$gateway" CONTAINER_PG_DB=postgres

cd "$HERE"
export PYTHONDONTWRITEBYTECODE=1
rc=0
# Per test 300 s, as builds run inside the tests (the fork case's own marker allows more).
timeout --kill-after=15 1200 "$VENV/bin/python" -m pytest -c "$APP_DIR/pytest.ini" --rootdir "$HERE" \
  -o testpaths=. -o timeout=300 -p no:cacheprovider -ra "$@" || rc=$?
exit "$rc"
