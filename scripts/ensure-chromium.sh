#!/usr/bin/env bash
# Make sure Debian's chromium is present for the browser tests.
# Installs it with apt-get when missing (root, or passwordless sudo); otherwise
# says exactly what to do. Never downloads a browser build of its own.
set -euo pipefail
if command -v chromium >/dev/null 2>&1; then
    exit 0
fi
echo "chromium not found: installing Debian's chromium package for the browser tests" >&2
SUDO=""
if [ "$(id -u)" -ne 0 ]; then
    if command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
        SUDO="sudo -n"
    else
        echo "error: chromium is missing and this user cannot run apt-get." >&2
        echo "       run: sudo apt-get install -y chromium fonts-noto-cjk" >&2
        exit 1
    fi
fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends chromium fonts-noto-cjk >/dev/null
command -v chromium >/dev/null
