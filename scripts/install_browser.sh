#!/usr/bin/env bash
# Install what the browser and office tests need (pytest -m browser):
#   - Debian's Chromium and its WebDriver (the HTML report and its review page);
#   - LibreOffice Writer without the GUI (opens the .docx export, accepts/rejects its
#     tracked changes and converts it to text).
# Idempotent: installs only what is missing, and does nothing when all of it is on PATH.
set -euo pipefail

missing=()
command -v chromium >/dev/null 2>&1 || missing+=(chromium)
command -v chromedriver >/dev/null 2>&1 || missing+=(chromium-driver)
command -v soffice >/dev/null 2>&1 || missing+=(libreoffice-writer-nogui)

if [ "${#missing[@]}" -eq 0 ]; then
    exit 0
fi

if [ "$(id -u)" -ne 0 ]; then
    echo "install_browser.sh: must run as root to apt-get install ${missing[*]}" >&2
    echo "  (try: sudo $0)" >&2
    exit 1
fi

if ! command -v apt-get >/dev/null 2>&1; then
    echo "install_browser.sh: apt-get not found; install ${missing[*]} by hand" >&2
    exit 1
fi

export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null

for tool in chromium chromedriver soffice; do
    command -v "$tool" >/dev/null || {
        echo "install_browser.sh: $tool still missing after installing ${missing[*]}" >&2
        exit 1
    }
done
echo "install_browser.sh: $(chromium --version 2>/dev/null || echo chromium installed);" \
     "$(soffice --version 2>/dev/null | head -n 1 || echo libreoffice installed)"
