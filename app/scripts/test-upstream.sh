#!/usr/bin/env bash
# Runs the app's tests against the newer releases requirements.txt pins, not
# bookworm's: Debian 13 (trixie) packages them, and the pure-Python ones work
# on bookworm's Python 3.11. They are downloaded with apt into a temporary
# directory, using a private apt configuration (the system's sources are not
# touched), unpacked with dpkg -x and put ahead of bookworm's on PYTHONPATH;
# the server the tests start runs trixie's gunicorn script. PostgreSQL, Redis,
# libpq and Python stay bookworm's.
#
#   bash app/scripts/test-upstream.sh [pytest args...]
#
# Optional, and not run in CI: it downloads about 12 MB of package lists and
# 1 MB of packages from deb.debian.org. Needs root (or sudo) for apt-get.
# Run it before changing a version in requirements.txt, and pin what it prints.
set -euo pipefail

APP_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
SUITE="${UPSTREAM_SUITE:-trixie}"
# The app's runtime libraries and what they need on Python 3.11.2 (Debian 13's
# click is named 8.2.0+0.really.8.1.8: it is click 8.1.8).
PACKAGES=(
  python3-flask python3-werkzeug python3-jinja2 python3-markupsafe python3-itsdangerous
  python3-click python3-blinker gunicorn python3-gunicorn python3-packaging
  python3-psycopg python3-typing-extensions python3-redis python3-async-timeout
)

SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  SUDO="sudo"
fi

WORK="$(mktemp -d "${TMPDIR:-/tmp}/flask-multicloud-upstream.XXXXXX")"
trap 'rm -rf "$WORK"' EXIT
mkdir -p "$WORK/apt/lists/partial" "$WORK/apt/cache/archives/partial" "$WORK/apt/parts" "$WORK/debs" "$WORK/root"
: > "$WORK/apt/status"
KEYRING=/usr/share/keyrings/debian-archive-keyring.gpg
cat > "$WORK/apt/sources.list" <<EOF
deb [signed-by=$KEYRING] http://deb.debian.org/debian $SUITE main
deb [signed-by=$KEYRING] http://deb.debian.org/debian-security $SUITE-security main
EOF
APT_OPTS=(
  -o "Dir::Etc::sourcelist=$WORK/apt/sources.list"
  -o "Dir::Etc::sourceparts=$WORK/apt/parts"
  -o "Dir::State::Lists=$WORK/apt/lists"
  -o "Dir::State::status=$WORK/apt/status"
  -o "Dir::Cache=$WORK/apt/cache"
  -o "APT::Sandbox::User=root"
)

$SUDO apt-get "${APT_OPTS[@]}" -qq update
(cd "$WORK/debs" && $SUDO apt-get "${APT_OPTS[@]}" -qq download "${PACKAGES[@]}")
for deb in "$WORK"/debs/*.deb; do
  dpkg -x "$deb" "$WORK/root"
done

export PYTHONPATH="$WORK/root/usr/lib/python3/dist-packages"
export TEST_SERVER_PATH="$WORK/root/usr/bin:/usr/bin:/bin"
echo "Testing against (from Debian $SUITE):"
/usr/bin/python3 - <<'EOF'
from importlib.metadata import distribution
import os
root = os.environ["PYTHONPATH"]
for name in ("Flask", "Werkzeug", "Jinja2", "MarkupSafe", "itsdangerous", "click", "blinker",
             "gunicorn", "packaging", "psycopg", "typing_extensions", "redis", "async-timeout"):
    dist = distribution(name)
    where = "" if str(dist.locate_file("")).startswith(root) else "   <- NOT from the download"
    print(f"  {name}=={dist.version}{where}")
EOF
echo "  server: $("$WORK/root/usr/bin/gunicorn" --version)"

bash "$APP_DIR/scripts/test.sh" "$@"
