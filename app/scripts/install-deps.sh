#!/usr/bin/env bash
# Installs the Debian packages the app's tests and benchmark need: the
# servers and tools only. The Python packages come from requirements.txt, in
# a virtualenv (scripts/venv.sh), as in the image.
# Idempotent: apt-get skips what is already installed.
set -euo pipefail

PACKAGES=(
  postgresql
  redis-server
  wrk
  curl
  openssl
  iproute2
)

SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  SUDO="sudo"
fi

export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update
$SUDO apt-get install -y --no-install-recommends "${PACKAGES[@]}"

# The Debian postgresql package starts a cluster of its own on port 5432 where an
# init system runs; the tests start private servers on random ports instead and
# do not need it.
