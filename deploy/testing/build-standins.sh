#!/usr/bin/env bash
# Stand-ins, for tests only, for the public images deploy/Dockerfile and docker-compose.yml name,
# built from Debian bookworm's packages (no image registry is needed) and tagged with exactly those
# names so the real compose file runs unchanged:
#   python:3.11.7-slim-bookworm  Debian's Python 3.11 and pip, pip allowed to install system-wide
#   rabbitmq:3.13-management     Debian's rabbitmq-server, entrypoint standins/rabbitmq-entrypoint.sh
#   postgres:15                  Debian's PostgreSQL 15, entrypoint standins/postgres-entrypoint.sh
#   prom/prometheus:v2.53.0      Debian's prometheus
# Usage: build-standins.sh [IMAGE...] (default: all four). An image already present is kept
# (delete it to rebuild); missing ones are built side by side. debootstrap runs once; its tarball is
# kept in INVOLVE_STANDIN_CACHE (default /var/cache/involve-standins). Needs root, debootstrap and
# a Docker engine (DOCKER_HOST). Never used by the compose file users run: an image that can be
# pulled is pulled instead, so a machine that reaches a registry gets the real ones.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
cache=${INVOLVE_STANDIN_CACHE:-/var/cache/involve-standins}
mirror=${DEBIAN_MIRROR:-http://deb.debian.org/debian}
base_tar=$cache/bookworm-minbase.tar

declare -A packages=(
  [python:3.11.7-slim-bookworm]="python3 python3-pip python3-venv python-is-python3 ca-certificates passwd"
  [rabbitmq:3.13-management]="rabbitmq-server"
  [postgres:15]="postgresql-15 postgresql-client-15"
  [prom/prometheus:v2.53.0]="prometheus"
)
order=(python:3.11.7-slim-bookworm rabbitmq:3.13-management postgres:15 prom/prometheus:v2.53.0)
if [[ $# -gt 0 ]]; then  # only these (e.g. the Python base first, so the Involve image can start)
  for image in "$@"; do [[ -n "${packages[$image]:-}" ]] || { echo "no stand-in for $image" >&2; exit 2; }; done
  order=("$@")
fi

missing=()
for image in "${order[@]}"; do
  docker image inspect "$image" >/dev/null 2>&1 && continue
  # where a registry answers, the real image is used and nothing is made up
  if timeout 300 docker pull -q "$image" >/dev/null 2>&1; then
    echo "stand-in images: pulled the real $image, no stand-in needed"
  else
    missing+=("$image")
  fi
done
if [[ ${#missing[@]} -eq 0 ]]; then
  echo "stand-in images: all ${#order[@]} present"
  exit 0
fi
command -v debootstrap >/dev/null || { echo "debootstrap is missing: apt-get install debootstrap" >&2; exit 1; }

mkdir -p "$cache"
if [[ ! -s "$base_tar" ]]; then
  echo "stand-in images: debootstrap bookworm (once)"
  root=$(mktemp -d "$cache/root.XXXXXX")
  debootstrap --variant=minbase bookworm "$root" "$mirror" >"$cache/debootstrap.log" 2>&1 || {
    tail -20 "$cache/debootstrap.log" >&2; rm -rf "$root"; exit 1; }
  tar -C "$root" -cf "$base_tar.part" . && mv "$base_tar.part" "$base_tar"
  rm -rf "$root"
fi

in_root() { chroot "$root" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin DEBIAN_FRONTEND=noninteractive LANG=C.UTF-8 "$@"; }

build_one() {  # in a subshell of its own: the images are built side by side
  image=$1
  log=$(mktemp "$cache/apt.XXXXXX.log")
  root=$(mktemp -d "$cache/root.XXXXXX")
  trap 'umount "$root/proc" 2>/dev/null || true; rm -rf "$root" "$log"' EXIT
  tar -C "$root" -xf "$base_tar"
  cp /etc/resolv.conf "$root/etc/resolv.conf"
  mount -t proc proc "$root/proc"
  # no daemon starts inside the chroot
  printf '#!/bin/sh\nexit 101\n' > "$root/usr/sbin/policy-rc.d" && chmod +x "$root/usr/sbin/policy-rc.d"
  # shellcheck disable=SC2086
  if ! { in_root apt-get update -qq && in_root apt-get install -y -qq --no-install-recommends \
           ${packages[$image]} && in_root apt-get clean; } >"$log" 2>&1; then
    echo "stand-in images: apt-get failed for $image:" >&2; grep -v "^W:" "$log" | tail -30 >&2; exit 1
  fi
  rm -rf "$root"/var/lib/apt/lists/* "$root/usr/sbin/policy-rc.d"
  umount "$root/proc"
  : > "$root/etc/resolv.conf"
  changes=()
  case "$image" in
    python:*)
      # pip installs system-wide as in the official image; the build machine's CA bundle lets pip
      # reach PyPI through whatever the machine trusts.
      rm -f "$root"/usr/lib/python3*/EXTERNALLY-MANAGED
      cp /etc/ssl/certs/ca-certificates.crt "$root/etc/ssl/certs/ca-certificates.crt"
      printf '[global]\ncert = /etc/ssl/certs/ca-certificates.crt\n' > "$root/etc/pip.conf"
      changes=(--change 'ENV LANG=C.UTF-8' --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin'
               --change 'CMD ["python3"]')
      ;;
    rabbitmq:*)
      install -m 755 "$here/standins/rabbitmq-entrypoint.sh" "$root/usr/local/bin/docker-entrypoint.sh"
      mkdir -p "$root/etc/rabbitmq/conf.d"
      # as in the official -management image: management (and Prometheus metrics) on by default
      echo "[rabbitmq_management,rabbitmq_prometheus]." > "$root/etc/rabbitmq/enabled_plugins"
      chroot "$root" chown -R rabbitmq:rabbitmq /var/lib/rabbitmq /etc/rabbitmq
      changes=(--change 'ENV HOME=/var/lib/rabbitmq' --change 'ENV LANG=C.UTF-8'
               --change 'ENV PATH=/usr/lib/rabbitmq/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin'
               --change 'VOLUME /var/lib/rabbitmq' --change 'EXPOSE 5672 15672 15692'
               --change 'ENTRYPOINT ["docker-entrypoint.sh"]' --change 'CMD ["rabbitmq-server"]')
      ;;
    postgres:*)
      install -m 755 "$here/standins/postgres-entrypoint.sh" "$root/usr/local/bin/docker-entrypoint.sh"
      mkdir -p "$root/docker-entrypoint-initdb.d" "$root/var/lib/postgresql/data" "$root/var/run/postgresql"
      chroot "$root" chown -R postgres:postgres /var/lib/postgresql /var/run/postgresql
      changes=(--change 'ENV LANG=C.UTF-8' --change 'ENV PGDATA=/var/lib/postgresql/data'
               --change 'ENV PATH=/usr/lib/postgresql/15/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin'
               --change 'VOLUME /var/lib/postgresql/data' --change 'EXPOSE 5432'
               --change 'ENTRYPOINT ["docker-entrypoint.sh"]' --change 'CMD ["postgres"]')
      ;;
    prom/prometheus:*)
      mkdir -p "$root/prometheus" && chroot "$root" chown -R nobody:nogroup /prometheus
      changes=(--change 'USER nobody' --change 'WORKDIR /prometheus' --change 'EXPOSE 9090'
               --change 'VOLUME /prometheus'
               --change 'ENTRYPOINT ["/usr/bin/prometheus"]'
               --change 'CMD ["--config.file=/etc/prometheus/prometheus.yml", "--storage.tsdb.path=/prometheus"]')
      ;;
  esac
  tar -C "$root" -c . | docker import "${changes[@]}" \
    --message "Involve test stand-in for $image, from Debian bookworm packages" - "$image" >/dev/null
  echo "stand-in images: $image ready"
}

echo "stand-in images: building ${missing[*]} from Debian's packages"
pids=()
for image in "${missing[@]}"; do
  ( build_one "$image" ) &
  pids+=($!)
done
failed=0
for pid in "${pids[@]}"; do wait "$pid" || failed=1; done
[[ $failed -eq 0 ]] || { echo "stand-in images: some could not be built (above)" >&2; exit 1; }
echo "stand-in images: built ${missing[*]}"
