#!/usr/bin/env bash
# Installs what Sanctions Ledger needs on a fresh Debian machine: system packages (PostgreSQL for the
# team store and its tests; ICU for PyICU) and a virtual environment in .venv. `--browser` also installs Chromium, which
# only the browser tests use (scripts/test.sh passes it; scripts/run.sh does not).
# Safe to run again. Set SANCTIONS_SKIP_APT=1 to skip the system packages.
set -euo pipefail
cd "$(dirname "$0")/.."
browser=0
for arg in "$@"; do
  case "$arg" in
    --browser) browser=1 ;;
    *) echo "usage: bash scripts/install.sh [--browser]" >&2; exit 2 ;;
  esac
done
if [ "${SANCTIONS_SKIP_APT:-0}" != 1 ] && command -v apt-get >/dev/null; then
  need=()
  ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || need+=(postgresql)
  # followthemoney needs PyICU, built from source against ICU
  { command -v pkg-config >/dev/null && pkg-config --exists icu-uc; } || need+=(libicu-dev pkg-config)
  command -v g++ >/dev/null || need+=(g++)
  [ "$browser" = 0 ] || [ -x /usr/bin/chromium ] || need+=(chromium)
  if [ ${#need[@]} -gt 0 ]; then
    SUDO=(); [ "$(id -u)" = 0 ] || SUDO=(sudo)
    export DEBIAN_FRONTEND=noninteractive
    "${SUDO[@]}" apt-get update -qq
    "${SUDO[@]}" apt-get install -y -qq "${need[@]}"
  fi
fi
[ -x .venv/bin/python ] || python3 -m venv .venv
# Python packages: installed again only when pyproject.toml changed since the last install, so a second
# run needs no network and cannot fail on it.
stamp=".venv/.installed-$(sha256sum pyproject.toml | cut -c1-16)"
if [ ! -e "$stamp" ] || [ ! -x .venv/bin/sanctions ]; then
  .venv/bin/pip install -q --upgrade pip
  .venv/bin/pip install -q -e '.[dev]'
  rm -f .venv/.installed-*
  touch "$stamp"
fi
