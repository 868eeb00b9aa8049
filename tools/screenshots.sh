#!/usr/bin/env bash
# Refresh the README's pictures: a real Anki on the demo profile takes them (tests/test_demo_anki.py saves them to
# tests/artifacts/), then tools/screenshots.py shrinks them into docs/images/ (each well under 150 kB).
set -euo pipefail
cd "$(dirname "$0")/.."
tools/bootstrap.sh
.venv/bin/python -m pytest -q tests/test_demo_anki.py
exec .venv/bin/python tools/screenshots.py
