#!/usr/bin/env bash
# Create .venv with the exact pinned dev dependencies (idempotent; reinstalls when requirements-dev.txt changes).
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON="${PYTHON:-python3}"
if [ ! -x .venv/bin/python ]; then
    "$PYTHON" -m venv .venv
fi
stamp=.venv/.requirements-dev.sha
want=$(sha256sum requirements-dev.txt | cut -d' ' -f1)
if [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
    .venv/bin/python -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt
    echo "$want" > "$stamp"
fi
# QtWebEngine needs a few system libraries a minimal Debian lacks; install them when we can.
if ! .venv/bin/python -c "from PyQt6.QtWebEngineWidgets import QWebEngineView" 2>/dev/null; then
    if command -v apt-get >/dev/null && [ "$(id -u)" = 0 ]; then
        apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
            libegl1 libgl1 libxkbcommon0 libnss3 libxcomposite1 libxdamage1 libxrandr2 libxtst6 \
            libasound2 libxkbfile1 libfontconfig1 libdbus-1-3 >/dev/null
    fi
fi
# Anki opens its window through Qt's platform plugin for this session (xcb on an X display, offscreen headless):
# check that it loads; install the system libraries it lacks (root + apt-get), else name the packages and stop.
.venv/bin/python tools/qt_platform.py --install
