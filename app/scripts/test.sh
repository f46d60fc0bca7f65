#!/usr/bin/env bash
# The one entry point for the app's tests, from any directory:
#
#   bash app/scripts/test.sh [pytest args...]
#
# Runs pytest, and the servers it starts, in the virtualenv made from
# requirements.txt (scripts/venv.sh): the packages the image ships. Starts
# PostgreSQL and Redis from the Debian packages on loopback, in a temporary
# directory, and removes everything on exit, whether the tests pass, fail or
# are interrupted.
set -euo pipefail

APP_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
SERVICES=(bash "$APP_DIR/scripts/services.sh")
VENV="$(bash "$APP_DIR/scripts/venv.sh")"
PYTHON="$VENV/bin/python"
# The server the tests start finds gunicorn here, as the image's PATH does.
export TEST_SERVER_PATH="$VENV/bin:/usr/bin:/bin"

WORK="$(mktemp -d "${TMPDIR:-/tmp}/flask-multicloud-tests.XXXXXX")"
chmod 755 "$WORK"

cleanup() {
  "${SERVICES[@]}" down "$WORK" || true
  rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

servers="$("${SERVICES[@]}" up "$WORK" TEST)"
set -a  # export TEST_PG_PORT, TEST_PG_PASSWORD, TEST_REDIS_PORT, TEST_REDIS_PASSWORD
eval "$servers"
set +a
export TEST_SERVICES="$APP_DIR/scripts/services.sh"
export TEST_WORK_DIR="$WORK"
export TEST_PG_DIR="$WORK/pg"
export TEST_REDIS_DIR="$WORK/redis"

cd "$APP_DIR"
export PYTHONDONTWRITEBYTECODE=1
rc=0
timeout --kill-after=15 600 "$PYTHON" -m pytest -p no:cacheprovider "$@" || rc=$?
exit "$rc"
