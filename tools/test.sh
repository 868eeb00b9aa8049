#!/usr/bin/env bash
# Set up everything, run the static checks (ruff, mypy) and the whole test suite (unit + end-to-end against real
# Anki processes). Arguments go to pytest.
set -euo pipefail
cd "$(dirname "$0")/.."
tools/bootstrap.sh
tools/node_tools.sh
tools/lint.sh
exec .venv/bin/python -m pytest "$@"
