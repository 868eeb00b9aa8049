#!/usr/bin/env bash
# Static checks, as CI runs them: ruff (lint and format) and mypy (settings in pyproject.toml).
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
.venv/bin/ruff check .
.venv/bin/ruff format --check .
# The repository root IS the package (relative imports): mypy sees it as "polar_bridge" through a temp parent.
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
ln -s "$root" "$tmp/polar_bridge"
(cd "$tmp" && "$root/.venv/bin/mypy" --config-file polar_bridge/pyproject.toml --cache-dir "$root/.mypy_cache" \
    -p polar_bridge)
