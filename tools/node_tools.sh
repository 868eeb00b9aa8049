#!/usr/bin/env bash
# The real Node.js AnkiConnect clients the end-to-end tests drive, at exact versions, installed into .node-tools/.
# Without npm (and no way to install it) nothing is installed and those tests skip, saying why.
set -euo pipefail
cd "$(dirname "$0")/.."
YANKI_VERSION=2.0.9  # keep in step with tests/test_yanki_e2e.py
if ! command -v npm >/dev/null; then
    if command -v apt-get >/dev/null && [ "$(id -u)" = 0 ]; then
        apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nodejs npm >/dev/null || true
    fi
fi
if ! command -v npm >/dev/null; then
    echo "node_tools: npm not found; the yanki end-to-end test will be skipped" >&2
    exit 0
fi
if [ "$(cat .node-tools/.yanki-version 2>/dev/null)" != "$YANKI_VERSION" ]; then
    npm install --silent --no-audit --no-fund --prefix .node-tools "yanki@$YANKI_VERSION"
    echo "$YANKI_VERSION" > .node-tools/.yanki-version
fi
