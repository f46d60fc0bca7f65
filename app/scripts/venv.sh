#!/usr/bin/env bash
# Prints the path of a virtualenv holding requirements-dev.txt (requirements.txt,
# which the image installs, plus pytest), creating or refreshing it first:
#
#   VENV="$(bash app/scripts/venv.sh)"
#
# It lives in app/.venv and is rebuilt only when a requirements file or the
# interpreter changes. pip uses this machine's own configuration (its package
# index), exactly as `pip install -r requirements.txt` would.
#
# The interpreter must be CPython 3.11, as in the image, at 3.11.3 or later
# (older ones need async-timeout for redis). First match: $APP_PYTHON, python3.11
# on PATH, pyenv's 3.11 builds, /usr/local/bin/python3.11. Debian 12's python3
# is 3.11.2, so it does not qualify.
set -euo pipefail

APP_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="${APP_VENV:-$APP_DIR/.venv}"

suitable() {
  "$1" -c 'import sys; sys.exit(not (sys.implementation.name == "cpython" and sys.version_info[:2] == (3, 11) and sys.version_info >= (3, 11, 3)))' 2>/dev/null
}

find_python() {
  local candidate
  for candidate in ${APP_PYTHON:-} "$(command -v python3.11 || true)" \
      "$(pyenv root 2>/dev/null || echo "${PYENV_ROOT:-$HOME/.pyenv}")"/versions/3.11.*/bin/python3.11 \
      /usr/local/bin/python3.11; do
    if [ -n "$candidate" ] && [ -x "$candidate" ] && suitable "$candidate"; then
      # pyenv's shim would resolve per directory; use the interpreter itself.
      "$candidate" -c 'import sys; print(sys.executable)'
      return 0
    fi
  done
  return 1
}

PYTHON="$(find_python)" || {
  echo "venv.sh: no CPython 3.11.3 or later found (tried \$APP_PYTHON, python3.11 on PATH, pyenv's 3.11.*, /usr/local/bin/python3.11)." >&2
  echo "venv.sh: the app's wheels are for CPython 3.11, as in the image; install one (e.g. 'pyenv install 3.11') or set APP_PYTHON." >&2
  exit 1
}

stamp="$("$PYTHON" -c 'import sys; print(sys.executable, sys.version)' | cat - "$APP_DIR/requirements.txt" "$APP_DIR/requirements-dev.txt" | sha256sum | cut -c1-16)"
if [ "$(cat "$VENV/.stamp" 2>/dev/null || true)" != "$stamp" ]; then
  echo "venv.sh: installing requirements-dev.txt into $VENV with $PYTHON" >&2
  rm -rf "$VENV"
  "$PYTHON" -m venv "$VENV"
  # --no-deps: requirements.txt must list every dependency itself; pip check
  # then fails if one is missing, rather than the image quietly differing.
  # PIP_RETRIES=0: an index that cannot be reached is skipped at once instead of
  # after five back-off retries per package (here pip's default index is
  # unreachable; the configured extra indexes serve everything).
  log="$(mktemp)"
  if ! PIP_RETRIES="${PIP_RETRIES:-0}" "$VENV/bin/python" -m pip install --no-cache-dir --no-deps \
      -r "$APP_DIR/requirements-dev.txt" >"$log" 2>&1 || ! "$VENV/bin/python" -m pip check >>"$log" 2>&1; then
    cat "$log" >&2
    rm -f "$log"
    echo "venv.sh: pip could not install requirements-dev.txt (output above)" >&2
    exit 1
  fi
  rm -f "$log"
  echo "$stamp" > "$VENV/.stamp"
fi
echo "$VENV"
