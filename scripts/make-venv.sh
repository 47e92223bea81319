#!/usr/bin/env bash
# Create the project's virtual environment. Debian's python3 lacks the venv
# module until python3-venv is installed: install it when we can, else say how.
set -euo pipefail
python=${1:-python3}
venv=${2:-.venv}
if "$python" -m venv "$venv" 2>/dev/null; then
    exit 0
fi
rm -rf "$venv"
echo "python3 -m venv failed: installing Debian's python3-venv" >&2
if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null 2>&1; then
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq && apt-get install -y -qq python3-venv python3-pip >/dev/null
elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
    sudo -n apt-get update -qq && sudo -n apt-get install -y -qq python3-venv python3-pip >/dev/null
else
    echo "error: cannot create $venv; run: sudo apt-get install -y python3-venv" >&2
    exit 1
fi
"$python" -m venv "$venv"
