#!/bin/sh
# `make demo`: the 2016 Traefik 1.0 compose scene played against pier on one
# machine. Starts the engine if needed, builds the whoami image offline, runs
# pier with Traefik's v1 flags, then: one container (5 curls), scale to 5
# (5 curls, five containers in turn), down (404). Prints every curl output
# and pier's debug lines for the configurations received and tables swapped.
set -eu
cd "$(dirname "$0")/.."
HOST=whoami.docker.localhost
PROJECT=pierdemo$$
COMPOSE="docker-compose -p $PROJECT -f test/fixtures/docker/scene/docker-compose.yml"
LOG=$(mktemp /tmp/pier-demo.XXXXXX.log)

sh scripts/docker-up.sh
sh scripts/whoami-image.sh
[ -f dist/cli.js ] || npx tsc -p tsconfig.json
PORT=${DEMO_PORT:-$(node -e "const s=require('net').createServer().listen(0,'127.0.0.1',()=>{console.log(s.address().port);s.close()})")}
API=$(node -e "const s=require('net').createServer().listen(0,'127.0.0.1',()=>{console.log(s.address().port);s.close()})")

echo "== pier --web --docker --docker.domain=docker.localhost --logLevel=DEBUG --docker.endpoint unix:///var/run/docker.sock --docker.watch (web on 127.0.0.1:$PORT, API on 127.0.0.1:$API)"
node dist/cli.js --web --docker --docker.domain=docker.localhost --logLevel=DEBUG \
  --docker.endpoint unix:///var/run/docker.sock --docker.watch \
  --entrypoints.web.address=127.0.0.1:$PORT --entrypoints.traefik.address=127.0.0.1:$API \
  --lifecycle.graceTimeOut=1s >"$LOG" 2>&1 &
PIER=$!
cleanup() {
  $COMPOSE down -v >/dev/null 2>&1 || true
  kill "$PIER" 2>/dev/null && wait "$PIER" 2>/dev/null || true
}
trap cleanup EXIT INT TERM

i=0
until grep -q 'pier ready' "$LOG"; do
  i=$((i + 1)); [ $i -le 200 ] || { cat "$LOG"; echo "pier did not start" >&2; exit 1; }
  sleep 0.1
done

# Runs a compose command quietly; shows its output only when it fails.
quiet() {
  out=$("$@" 2>&1) || { echo "$out" >&2; exit 1; }
}
# Polls until `curl` for the host gives the status (bounded: 20 s).
wait_status() {
  i=0
  while [ "$(curl -s -o /dev/null -w '%{http_code}' -H "Host: $HOST" "http://127.0.0.1:$PORT/")" != "$1" ]; do
    i=$((i + 1)); [ $i -le 200 ] || { echo "no $1 for $HOST after 20 s" >&2; exit 1; }
    sleep 0.1
  done
}
# Five requests on one keep-alive connection, so one worker thread's round robin shows.
five() {
  echo "\$ curl -H Host:$HOST http://127.0.0.1:$PORT/  (x5, one connection)"
  curl -s -H "Host: $HOST" "http://127.0.0.1:$PORT/" -: -H "Host: $HOST" "http://127.0.0.1:$PORT/" -: -H "Host: $HOST" "http://127.0.0.1:$PORT/" \
    -: -H "Host: $HOST" "http://127.0.0.1:$PORT/" -: -H "Host: $HOST" "http://127.0.0.1:$PORT/" | grep "^I'm"
}

echo "== docker-compose up -d"
quiet $COMPOSE up -d
wait_status 200
five
echo "== docker-compose scale whoami=5"
quiet $COMPOSE scale whoami=5
i=0
until [ "$(five | grep -c "^I'm" )" = 5 ] && [ "$(five | sort -u | grep -c "^I'm")" = 5 ]; do
  i=$((i + 1)); [ $i -le 100 ] || { echo "five containers not in rotation after 20 s" >&2; exit 1; }
  sleep 0.2
done
five
echo "== docker-compose down -v"
quiet $COMPOSE down -v
wait_status 404
echo "\$ curl -i -H Host:$HOST http://127.0.0.1:$PORT/"
curl -si -H "Host: $HOST" "http://127.0.0.1:$PORT/" | head -1
echo "== pier debug log: configurations received from docker and route tables published"
grep -E 'Configuration received from provider docker|route table published' "$LOG" | cut -c1-240
rm -f "$LOG"
