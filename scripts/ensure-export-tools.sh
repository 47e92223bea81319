#!/usr/bin/env bash
# Make sure the system tools of `tenglong export` and its tests are present:
#   - poppler-utils (pdffonts, pdftoppm, pdftotext): the PDF tests check that
#     fonts are embedded, extract the text, and render pages to PNG;
#   - a TrueType CJK font (fonts-wqy-microhei): the PDF exporter prefers the
#     font of the Python package paperang-p2-fonts-cjk and falls back to this
#     one (reportlab embeds TrueType outlines only; Noto CJK is CFF).
# Installs what is missing with apt-get (root, or passwordless sudo); otherwise
# says exactly what to do. Downloads nothing else.
set -euo pipefail

missing=()
command -v pdffonts >/dev/null 2>&1 || missing+=(poppler-utils)
if [ ! -e /usr/share/fonts/truetype/wqy/wqy-microhei.ttc ]; then
    missing+=(fonts-wqy-microhei)
fi
if [ ${#missing[@]} -eq 0 ]; then
    exit 0
fi
echo "export tools: installing ${missing[*]} (Debian packages)" >&2
SUDO=""
if [ "$(id -u)" -ne 0 ]; then
    if command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
        SUDO="sudo -n"
    else
        echo "error: ${missing[*]} missing and this user cannot run apt-get." >&2
        echo "       run: sudo apt-get install -y ${missing[*]}" >&2
        exit 1
    fi
fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
command -v pdffonts >/dev/null
