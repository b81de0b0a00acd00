#!/usr/bin/env bash
# Installs what the test suite needs on a Debian machine: Chromium for the browser tests
# (from Debian's packages, never a downloaded build), redis-server, and the npm dependencies.
set -euo pipefail
cd "$(dirname "$0")/.."

# Debian's chromium for the browser tests, and redis-server for the Redis event transport's tests
# (they start their own server process; no system service is used).
PACKAGES=()
if [ ! -x "${CHROMIUM_PATH:-/usr/bin/chromium}" ]; then PACKAGES+=(chromium); fi
if ! command -v "${REDIS_SERVER_PATH:-redis-server}" >/dev/null 2>&1; then PACKAGES+=(redis-server); fi
if [ "${#PACKAGES[@]}" -gt 0 ]; then
  echo "Installing Debian's ${PACKAGES[*]} for the tests…"
  SUDO=""
  if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${PACKAGES[@]}" >/dev/null
fi

npm ci --no-audit --no-fund
