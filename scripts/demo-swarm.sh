#!/usr/bin/env bash
# `make demo-swarm`: the seed scene on a real three-node Swarm on this machine
# (scripts/swarm-lab.sh: one dockerd per network namespace). pier runs in its
# own offline image on the manager, on the lab's overlay network, with
# Traefik's v1 flags (--docker.swarmMode); whoami comes from a stack file with
# deploy.labels. One task (5 curls), scale to 5 (5 curls, five tasks in turn,
# spread over the nodes), back to 1, stack rm (404). Everything is torn down
# at the end, whatever happens.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/test-deps.sh >/dev/null
[ -f dist/cli.js ] || npx tsc -p tsconfig.json

NAME=psdemo$(( $$ % 100 ))
HOST=whoami.swarm.localhost
trap 'echo "== tear-down"; scripts/swarm-lab.sh down "$NAME"' EXIT
lab=$(PIER_SWARM_OWNER=$$ scripts/swarm-lab.sh up "$NAME" 3)
# shellcheck disable=SC1090
. "$lab"
echo "== images: whoami on every node, pier (offline image) on the manager"
scripts/swarm-lab.sh images "$NAME" "pier-swarm:$NAME" 2>&1 | sed 's/^/   /'
manager() { docker -H "unix://$NODE1_SOCK" "$@"; }
manager network create --driver overlay --attachable "${NAME}net" >/dev/null

echo "== pier on the manager: --web --docker --docker.swarmMode --docker.domain=swarm.localhost --docker.network=${NAME}net --logLevel=DEBUG"
manager run -d --name pier --no-healthcheck --network "${NAME}net" -v /var/run/docker.sock:/var/run/docker.sock:ro \
  -p "$NODE1_IP:80:80" -p "$NODE1_IP:8080:8080" "pier-swarm:$NAME" \
  --web --docker --docker.swarmMode --docker.domain=swarm.localhost --docker.network="${NAME}net" --logLevel=DEBUG >/dev/null
i=0
until manager logs pier 2>&1 | grep -q 'pier ready'; do
  i=$((i + 1)); [ $i -le 300 ] || { manager logs pier; echo "pier did not start" >&2; exit 1; }
  sleep 0.1
done

# Polls until curl for the host gives the status (bounded: 30 s).
wait_status() {
  i=0
  while [ "$(curl -s -o /dev/null -w '%{http_code}' -H "Host: $HOST" "http://$NODE1_IP/")" != "$1" ]; do
    i=$((i + 1)); [ $i -le 300 ] || { echo "no $1 for $HOST after 30 s" >&2; exit 1; }
    sleep 0.1
  done
}
# Five requests on one keep-alive connection: one worker thread's round robin.
five() {
  echo "\$ curl -H Host:$HOST http://$NODE1_IP/  (x5, one connection)"
  local args=()
  for _ in 1 2 3 4 5; do args+=(-H "Host: $HOST" "http://$NODE1_IP/" -:); done
  curl -s "${args[@]:0:${#args[@]}-1}" | grep "^I'm"
}
# Scales the service and waits until that many tasks answer in turn (bounded: 30 s).
scale() {
  echo "== docker service scale $1=$2"
  manager service scale --detach "$1=$2" >/dev/null
  i=0
  until [ "$(five | sort -u | grep -c "^I'm")" = "$2" ]; do
    i=$((i + 1)); [ $i -le 150 ] || { echo "$2 tasks not in rotation after 30 s" >&2; exit 1; }
    sleep 0.2
  done
}
tasks() { manager service ps seed_whoami --filter desired-state=running --format '   {{.Name}} on {{.Node}}: {{.CurrentState}}'; }

echo "== docker stack deploy -c test/fixtures/swarm/seed-stack.yml seed   (deploy.labels: traefik.frontend.rule=Host:$HOST, traefik.port=8000)"
PIER_LAB_NETWORK="${NAME}net" manager stack deploy --detach=true --resolve-image never -c test/fixtures/swarm/seed-stack.yml seed >/dev/null
wait_status 200
five
scale seed_whoami 5
tasks
five
scale seed_whoami 1
five
echo "== docker stack rm seed"
manager stack rm seed >/dev/null
wait_status 404
echo "\$ curl -i -H Host:$HOST http://$NODE1_IP/"
curl -si -H "Host: $HOST" "http://$NODE1_IP/" | head -1
echo "== pier's log: configurations received from the Swarm and route tables published"
manager logs pier 2>&1 | grep -E 'Swarm manager reached|Configuration received from provider docker|route table published' | cut -c1-200
