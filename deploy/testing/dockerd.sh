#!/usr/bin/env bash
# A private Docker engine for the compose test, started only if no engine answers.
#   deploy/testing/dockerd.sh start   prints `export DOCKER_HOST=...` lines and, if it started one,
#                                     `DOCKERD_PID=...`; eval its output
#   deploy/testing/dockerd.sh stop PID
# The engine keeps its images under INVOLVE_DOCKER_ROOT (default /var/lib/involve-test-docker), so
# stand-in and built images are reused by the next run. Storage driver overlay2 where an overlay
# mount works on that folder's file system (fast), else vfs (works anywhere, copies whole images);
# INVOLVE_DOCKER_STORAGE chooses.
set -euo pipefail
root=${INVOLVE_DOCKER_ROOT:-/var/lib/involve-test-docker}
sock=$root/docker.sock

answers() { DOCKER_HOST=$1 timeout 10 docker version --format '{{.Server.Version}}' >/dev/null 2>&1; }

case "${1:-}" in
  start)
    if [[ -n "${DOCKER_HOST:-}" ]] && answers "$DOCKER_HOST"; then
      echo "export DOCKER_HOST=$DOCKER_HOST"; exit 0
    fi
    if answers unix:///var/run/docker.sock; then
      echo "export DOCKER_HOST=unix:///var/run/docker.sock"; exit 0
    fi
    if answers "unix://$sock"; then  # one of ours left from an earlier run
      echo "export DOCKER_HOST=unix://$sock"; exit 0
    fi
    command -v dockerd >/dev/null || { echo "dockerd is missing: apt-get install docker.io" >&2; exit 1; }
    mkdir -p "$root/data" "$root/exec"
    driver=${INVOLVE_DOCKER_STORAGE:-}
    if [[ -z "$driver" ]]; then
      probe=$(mktemp -d "$root/probe.XXXXXX") && mkdir "$probe"/{l,u,w,m}
      if mount -t overlay overlay -o "lowerdir=$probe/l,upperdir=$probe/u,workdir=$probe/w" "$probe/m" 2>/dev/null; then
        umount "$probe/m"; driver=overlay2
      else
        driver=vfs
      fi
      rm -rf "$probe"
    fi
    rm -f "$sock" "$root/dockerd.pid"
    # setsid: the engine outlives this script; it is stopped by pid with `stop`.
    setsid dockerd --data-root "$root/data" --exec-root "$root/exec" --pidfile "$root/dockerd.pid" \
      -H "unix://$sock" --storage-driver "$driver" \
      >"$root/dockerd.log" 2>&1 < /dev/null &
    for _ in $(seq 1 60); do
      answers "unix://$sock" && break
      sleep 1
    done
    answers "unix://$sock" || { echo "dockerd did not start; its log:" >&2; tail -20 "$root/dockerd.log" >&2; exit 1; }
    echo "export DOCKER_HOST=unix://$sock"
    echo "DOCKERD_PID=$(cat "$root/dockerd.pid")"
    ;;
  stop)
    pid=${2:?give the pid}
    kill "$pid" 2>/dev/null || exit 0
    for _ in $(seq 1 30); do kill -0 "$pid" 2>/dev/null || exit 0; sleep 1; done
    kill -9 "$pid" 2>/dev/null || true
    ;;
  *) echo "usage: $0 start|stop PID" >&2; exit 2 ;;
esac
