#!/bin/sh
# Make sure Debian's Chromium is installed at /usr/bin/chromium for the browser tests.
# Idempotent: does nothing when it is already there; never downloads a browser elsewhere.
set -eu
if [ -x /usr/bin/chromium ]; then
    exit 0
fi
SUDO=""
if [ "$(id -u)" != "0" ] && command -v sudo >/dev/null 2>&1; then
    SUDO="sudo"
fi
$SUDO apt-get update
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y chromium
test -x /usr/bin/chromium
