#!/usr/bin/env bash
# Image benchmark (not a test): builds the new image and the Debian-package
# image it replaced, then measures size, compressed size, layers and the time
# to the first 200 on /healthz (bench/image.py). Writes app/bench/IMAGE.md.
#
#   bash app/bench/image.sh [--runs 5]     # as root; about 5 minutes the first time
#
# Starts a Docker engine if none answers (and stops it after), and builds the
# stand-in base images if they are not cached (container/bases.sh).
set -euo pipefail

APP_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
WORK="$(mktemp -d "${TMPDIR:-/tmp}/flask-multicloud-image-bench.XXXXXX")"
trap 'bash "$APP_DIR/container/engine.sh" stop "$WORK/engine" || true; rm -rf "$WORK"' EXIT
trap 'exit 130' INT TERM

bash "$APP_DIR/container/engine.sh" start "$WORK/engine"
bases="$(bash "$APP_DIR/container/bases.sh"; bash "$APP_DIR/container/bases.sh" reference)"
set -a  # export BUILDER_IMAGE, RUNTIME_IMAGE and REFERENCE_IMAGE
eval "$bases"
set +a
VENV="$(bash "$APP_DIR/scripts/venv.sh")"
"$VENV/bin/python" "$APP_DIR/bench/image.py" --out "${BENCH_OUT:-$APP_DIR/bench/IMAGE.md}" "$@"
echo "image.sh: wrote ${BENCH_OUT:-$APP_DIR/bench/IMAGE.md}"
