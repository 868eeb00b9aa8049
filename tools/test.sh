#!/usr/bin/env bash
# Set up everything and run the whole test suite (unit + end-to-end against real Anki processes).
set -euo pipefail
cd "$(dirname "$0")/.."
tools/bootstrap.sh
exec .venv/bin/python -m pytest "$@"
