#!/usr/bin/env bash
# make compose-test: the real docker-compose.yml built and run end to end, then a smoke through
# the published gateway port on 127.0.0.1, once with one replica of each back-end service and once
# with two (COMPOSE_REPLICAS="1 2" by default; "2" for only the second).
#   1. a Docker engine: the one at DOCKER_HOST or /var/run/docker.sock, else a private dockerd
#      (deploy/testing/dockerd.sh), stopped by pid at the end;
#   2. stand-ins for the public base images, made from Debian packages once and kept
#      (deploy/testing/build-standins.sh), and the Involve image from deploy/Dockerfile;
#   3. `docker-compose up -d` with the real compose file (plus compose.timers.yml: feedback's timers
#      on seconds), secrets from the environment (made up for this run if unset), every health
#      check waited for;
#   4. deploy/testing/smoke.py; then `docker-compose down -v`.
# Last line: `compose: N of N services healthy; smoke passed`, or what failed.
set -euo pipefail
cd "$(dirname "$0")/../.."
started=$(date +%s)
runs=${COMPOSE_REPLICAS:-1 2}
backend=(identity panels mystery_shopping feedback commissioning reporting webhooks)
dockerd_pid=""
project=""
last="compose: no Docker engine could be started"
compose_cmd=()

random() { python3 -c "import base64, os; print(base64.urlsafe_b64encode(os.urandom(32)).decode())"; }
free_port() { python3 -c "import socket; s = socket.socket(); s.bind(('127.0.0.1', 0)); print(s.getsockname()[1])"; }
elapsed() { echo $(( $(date +%s) - $1 )); }

down() {
  if [[ -n "$project" ]]; then
    "${compose_cmd[@]}" down -v --remove-orphans -t 15 >/dev/null 2>&1 || true
    project=""
  fi
}

finish() {
  local status=$?
  set +e
  down
  if [[ -n "$dockerd_pid" ]]; then deploy/testing/dockerd.sh stop "$dockerd_pid"; fi
  echo "== compose-test took $(elapsed "$started") s"
  echo "$last"
  exit $status
}
trap finish EXIT

echo "== Docker engine"
engine=$(deploy/testing/dockerd.sh start)
eval "$engine"
dockerd_pid=$(sed -n 's/^DOCKERD_PID=//p' <<<"$engine")
export DOCKER_HOST COMPOSE_HTTP_TIMEOUT=${COMPOSE_HTTP_TIMEOUT:-300}
echo "using $DOCKER_HOST${dockerd_pid:+ (a private dockerd, pid $dockerd_pid)}"

last="compose: the images could not be built"
phase=$(date +%s)
# the Python base first; then the Involve image while the other stand-ins are made
deploy/testing/build-standins.sh python:3.11.7-slim-bookworm
deploy/testing/build-standins.sh rabbitmq:3.13-management postgres:15 prom/prometheus:v2.53.0 &
standins=$!
echo "== build involve:latest from deploy/Dockerfile"
if ! built=$(docker build -t involve:latest -f deploy/Dockerfile . 2>&1); then
  echo "docker build of deploy/Dockerfile failed:"; tail -40 <<<"$built"; exit 1
fi
wait "$standins"
echo "images ready in $(elapsed "$phase") s"

export POSTGRES_PASSWORD=${POSTGRES_PASSWORD:-$(random)}
export CONTACT_KEYS=${CONTACT_KEYS:-$(random)}
export LOOKUP_KEY=${LOOKUP_KEY:-$(random)}
export PANELS_HOUSEHOLD_KEY=${PANELS_HOUSEHOLD_KEY:-$(random)}
export WEBHOOKS_SECRET_KEYS=${WEBHOOKS_SECRET_KEYS:-$(random)}
export SECURE_COOKIES=false  # the smoke talks plain HTTP to 127.0.0.1
export INVOLVE_ADDRESS=127.0.0.1
export RABBITMQ_USER=${RABBITMQ_USER:-involve} RABBITMQ_PASSWORD=${RABBITMQ_PASSWORD:-involve}

summary=()
for replicas in $runs; do
  export INVOLVE_PORT; INVOLVE_PORT=$(free_port)
  export GATEWAY_URL="http://127.0.0.1:$INVOLVE_PORT"
  project="involvetest$$r$replicas"
  compose_cmd=(docker-compose -p "$project" -f docker-compose.yml -f deploy/testing/compose.timers.yml)
  scale=()
  for service in "${backend[@]}"; do scale+=(--scale "$service=$replicas"); done
  label="$replicas replica$([[ $replicas == 1 ]] || echo s) of each back-end service"
  echo "== docker-compose up, $label"
  phase=$(date +%s)
  last="compose ($label): docker-compose up failed"
  up() { "${compose_cmd[@]}" up -d --no-build "${scale[@]}" 2>&1 | grep -v "^Creating" | tail -20; }
  set +e
  up
  set -e
  services=$("${compose_cmd[@]}" config --services)
  total=$(wc -w <<<"$services")
  deadline=$(( $(date +%s) + 300 ))
  while :; do
    healthy=0; report=()
    for service in $services; do
      ok=1; ids=$("${compose_cmd[@]}" ps -q "$service")
      [[ -n "$ids" ]] || { ok=0; report+=("$service:not created"); }
      for id in $ids; do
        state=$(docker inspect -f '{{.State.Status}}/{{if .State.Health}}{{.State.Health.Status}}{{else}}none{{end}}' "$id")
        [[ "$state" == running/healthy || "$state" == running/none ]] || { ok=0; report+=("$service:$state"); }
      done
      healthy=$((healthy + ok))
    done
    [[ $healthy -eq $total ]] && break
    # `up` gives up on a dependency whose health check failed for a while (a loaded machine: a
    # service still migrating); once everything it made is healthy, bring up the rest.
    if [[ " ${report[*]} " == *":not created "* && " ${report[*]} " != *"/"* ]]; then
      echo "docker-compose up stopped early (${report[*]}); everything else is healthy now, so again:"
      set +e; up; set -e
    fi
    if [[ $(date +%s) -gt $deadline ]]; then
      last="compose ($label): $healthy of $total services healthy (${report[*]}); smoke not run"
      "${compose_cmd[@]}" ps
      for service in $services; do
        for id in $("${compose_cmd[@]}" ps -q "$service"); do
          echo "--- last log lines of $service ($id)"; docker logs --tail 15 "$id" 2>&1
        done
      done
      exit 1
    fi
    sleep 3
  done
  containers=$("${compose_cmd[@]}" ps -q | wc -l)
  echo "$total of $total services healthy ($containers containers) in $(elapsed "$phase") s"

  phase=$(date +%s)
  last="compose ($label): $total of $total services healthy; smoke FAILED"
  COMPOSE="${compose_cmd[*]}" NETWORK="${project}_involve" BASE="http://127.0.0.1:$INVOLVE_PORT" \
    REPLICAS=$replicas AMQP_URI="amqp://$RABBITMQ_USER:$RABBITMQ_PASSWORD@rabbitmq:5672/" \
    python3 deploy/testing/smoke.py || {
      for service in feedback identity gateway; do
        for id in $("${compose_cmd[@]}" ps -q "$service"); do
          echo "--- last log lines of $service ($id)"; docker logs --tail 20 "$id" 2>&1
        done
      done
      exit 1; }
  echo "smoke passed in $(elapsed "$phase") s"
  down
  summary+=("compose ($label): $total of $total services healthy; smoke passed")
  last="compose: $total of $total services healthy; smoke passed"
done
printf '%s\n' "${summary[@]}"
