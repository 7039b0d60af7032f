#!/usr/bin/env bash
# Installs, then runs the main job: builds a ledger from every official list in ../shared/data (dated
# sets and the daily OFAC archive) and shows what it holds.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install.sh
export SANCTIONS_DB=${SANCTIONS_DB:-sqlite:///$PWD/ledger.db}
SHARED=${SANCTIONS_SHARED:-../shared}
.venv/bin/sanctions update --from "$SHARED/data" --with-archives
.venv/bin/sanctions stats
.venv/bin/sanctions diff ofac-sdn 2019-01-04 2021-06-29 | head -20
