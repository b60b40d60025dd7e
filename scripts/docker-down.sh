#!/bin/sh
# Stops the dockerd that scripts/docker-up.sh started (by its recorded pid),
# and only that one; an engine that was already running is left alone.
set -eu

PIDFILE=${PIER_DOCKERD_PID:-/run/pier-test-dockerd.pid}
[ -f "$PIDFILE" ] || { echo "docker-down: no dockerd started by docker-up.sh" >&2; exit 0; }
pid=$(cat "$PIDFILE")
if kill -0 "$pid" 2>/dev/null; then
  kill -TERM "$pid"
  i=0
  while kill -0 "$pid" 2>/dev/null; do
    i=$((i + 1))
    if [ $i -gt 200 ]; then echo "docker-down: dockerd $pid still running after 20 s, sending KILL" >&2; kill -KILL "$pid"; break; fi
    sleep 0.1
  done
  echo "docker-down: stopped dockerd $pid" >&2
fi
rm -f "$PIDFILE"
