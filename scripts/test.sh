#!/usr/bin/env bash
# Installs everything, starts a throwaway PostgreSQL, then runs the whole test suite (unit, integration
# on ../shared, PostgreSQL, browser) and the linters.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install.sh --browser
SANCTIONS_TEST_PG=$(bash .ci/start-postgres)
export SANCTIONS_TEST_PG
.venv/bin/ruff check sanctions_ledger tests bench
.venv/bin/ruff format --check sanctions_ledger tests bench
.venv/bin/mypy
.venv/bin/python -m pytest -q -p no:cacheprovider "$@"
