#!/usr/bin/env bash
# Set up everything and launch real Anki 26.9.3 with this add-on on a throwaway dev profile.
# The profile lives in .dev-anki/ (delete it to start over); the add-on is copied fresh at every launch.
# With no display (no $DISPLAY / $WAYLAND_DISPLAY) Anki runs on Qt's headless "offscreen" platform:
# nothing is shown, but the add-on and its server on 127.0.0.1:8765 work. Ctrl+C quits Anki cleanly.
set -euo pipefail
cd "$(dirname "$0")/.."
tools/bootstrap.sh
exec .venv/bin/python tools/dev_anki.py "$@"
