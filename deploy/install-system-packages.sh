#!/usr/bin/env bash
# Installs the Debian packages Involve runs and tests with, only those that are missing.
#   rabbitmq-server  the message broker (local runs and tests start a private node of it)
#   postgresql       initdb/pg_ctl for the PostgreSQL the tests run against
#   chromium, chromium-driver  the headless browser the page tests drive
#   docker-compose   only to validate docker-compose.yml (no Docker engine is needed)
# Usage: deploy/install-system-packages.sh [--with-test-tools]
set -euo pipefail

want=(rabbitmq-server)
if [[ "${1:-}" == "--with-test-tools" ]]; then
  want+=(chromium chromium-driver docker-compose)
  command -v initdb >/dev/null || ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || want+=(postgresql)
fi

missing=()
for pkg in "${want[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
[[ ${#missing[@]} -eq 0 ]] && exit 0

sudo=""
if [[ $(id -u) -ne 0 ]]; then
  command -v sudo >/dev/null || { echo "Please install as root: apt-get install ${missing[*]}" >&2; exit 1; }
  sudo="sudo"
fi
echo "Installing system packages: ${missing[*]}"
$sudo apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
# Debian starts services on install where it can; Involve starts its own private nodes.
$sudo service rabbitmq-server stop >/dev/null 2>&1 || true
