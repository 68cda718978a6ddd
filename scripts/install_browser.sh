#!/usr/bin/env bash
# Install Debian's Chromium and its WebDriver for the browser tests (pytest -m browser).
# Idempotent: does nothing when `chromium` and `chromedriver` are already on PATH.
set -euo pipefail

if command -v chromium >/dev/null 2>&1 && command -v chromedriver >/dev/null 2>&1; then
    exit 0
fi

if [ "$(id -u)" -ne 0 ]; then
    echo "install_browser.sh: must run as root to apt-get install chromium chromium-driver" >&2
    echo "  (try: sudo $0)" >&2
    exit 1
fi

if ! command -v apt-get >/dev/null 2>&1; then
    echo "install_browser.sh: apt-get not found; install Chromium and chromedriver by hand" >&2
    exit 1
fi

export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends chromium chromium-driver >/dev/null

command -v chromium >/dev/null && command -v chromedriver >/dev/null || {
    echo "install_browser.sh: chromium or chromedriver still missing after install" >&2
    exit 1
}
echo "install_browser.sh: $(chromium --version 2>/dev/null || echo chromium installed)"
