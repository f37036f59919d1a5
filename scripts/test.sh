#!/usr/bin/env bash
# Install netlogs with its test extras and every heavy checker, then run all checks.
# This is the README's test command and what CI runs; it must fail when any check fails.
set -euo pipefail
cd "$(dirname "$0")/.."

# Prerequisites the script cannot install with pip: one clear line each, before any work.
need() { command -v "$1" >/dev/null 2>&1 || { echo "test prerequisite missing: $2" >&2; exit 1; }; }
need python3 "python3 (3.10 or newer)"
python3 -c 'import sys; sys.exit(sys.version_info < (3, 10))' \
  || { echo "test prerequisite missing: python3 is older than 3.10" >&2; exit 1; }
python3 -c 'import venv, ensurepip' 2>/dev/null \
  || { echo "test prerequisite missing: python3-venv (Debian: apt-get install -y python3-venv)" >&2; exit 1; }
need node "node and npm (Node.js 18 or newer) for Microsoft's Kusto parser checks"
need npm "npm (comes with Node.js) for Microsoft's Kusto parser checks"

python3 -m venv .venv
.venv/bin/pip install -q --upgrade pip
.venv/bin/pip install -q -e ".[test]"

# Microsoft's Kusto parser (node), used by the KQL template tests.
if [ -f tests/kusto/package.json ]; then
  (cd tests/kusto && npm ci --silent --no-audit --no-fund)
fi

# Azurite, Microsoft's storage emulator (node): serves flow-log blobs to the discovery tests.
if [ -f tests/azurite/package.json ]; then
  (cd tests/azurite && npm ci --silent --no-audit --no-fund)
fi

# Headless Chromium from Debian for the HTML report tests.
if ! command -v chromium >/dev/null 2>&1; then
  if [ "$(id -u)" = 0 ]; then
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
  else
    echo "chromium is missing: run 'sudo apt-get install -y chromium' first" >&2
    exit 1
  fi
fi

.venv/bin/ruff check netlogs tests benchmarks
.venv/bin/mypy
.venv/bin/lint-imports
NETLOGS_REQUIRE_HEAVY_CHECKS=1 .venv/bin/pytest -q --durations=15 "$@"  # the slowest tests, for CI time
