#!/usr/bin/env bash
# Installs the Debian packages Involve runs and tests with, only those that are missing.
#   rabbitmq-server  the message broker (local runs and tests start a private node of it)
#   postgresql       initdb/pg_ctl for the PostgreSQL the tests run against
#   chromium, chromium-driver  the headless browser the page tests drive
#   docker-compose   to validate docker-compose.yml, and to run it in `make compose-test`
#   docker.io, debootstrap  (--with-compose-test) the Docker engine `make compose-test` starts if
#                    none answers, and the tool that makes its stand-in base images
# Usage: deploy/install-system-packages.sh [--with-test-tools] [--with-compose-test]
set -euo pipefail

want=(rabbitmq-server)
for option in "$@"; do
  case "$option" in
    --with-test-tools)
      want+=(chromium chromium-driver docker-compose)
      command -v initdb >/dev/null || ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || want+=(postgresql)
      ;;
    --with-compose-test) want+=(docker-compose docker.io debootstrap) ;;
    *) echo "unknown option $option" >&2; exit 2 ;;
  esac
done

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
