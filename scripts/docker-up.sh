#!/bin/sh
# Makes a Docker engine answer on /var/run/docker.sock for tests and benches.
# Idempotent: installs docker.io, docker-compose and busybox-static from Debian
# when missing, starts dockerd only when none answers, and records the pid of a
# dockerd it started in $PIER_DOCKERD_PID (default /run/pier-test-dockerd.pid)
# so that scripts/docker-down.sh stops that one and nothing else.
set -eu

PIDFILE=${PIER_DOCKERD_PID:-/run/pier-test-dockerd.pid}
LOGFILE=${PIER_DOCKERD_LOG:-/tmp/pier-test-dockerd.log}

missing=""
command -v dockerd >/dev/null 2>&1 || missing="$missing docker.io"
command -v docker-compose >/dev/null 2>&1 || missing="$missing docker-compose"
[ -x /bin/busybox ] || [ -x /usr/bin/busybox ] || missing="$missing busybox-static"
if [ -n "$missing" ]; then
  echo "docker-up: installing$missing" >&2
  DEBIAN_FRONTEND=noninteractive apt-get install -y $missing >&2
fi

if docker info >/dev/null 2>&1; then
  echo "docker-up: engine already answers" >&2
  exit 0
fi

# A stale pid file from a dockerd that died: forget it.
if [ -f "$PIDFILE" ] && ! kill -0 "$(cat "$PIDFILE")" 2>/dev/null; then rm -f "$PIDFILE"; fi

if [ ! -f "$PIDFILE" ]; then
  # --live-restore: containers keep running while this dockerd restarts (tests do that).
  nohup dockerd --live-restore >>"$LOGFILE" 2>&1 &
  echo $! >"$PIDFILE"
  echo "docker-up: started dockerd pid $(cat "$PIDFILE") (pid file $PIDFILE, log $LOGFILE)" >&2
fi

i=0
until docker info >/dev/null 2>&1; do
  i=$((i + 1))
  if [ $i -gt 300 ]; then
    echo "docker-up: dockerd did not answer within 30 s; last log lines:" >&2
    tail -n 20 "$LOGFILE" >&2
    exit 1
  fi
  if ! kill -0 "$(cat "$PIDFILE")" 2>/dev/null; then
    echo "docker-up: dockerd exited; last log lines:" >&2
    tail -n 20 "$LOGFILE" >&2
    rm -f "$PIDFILE"
    exit 1
  fi
  sleep 0.1
done
echo "docker-up: engine ready" >&2
