#!/bin/sh
# Installs the Debian packages the tests need, when missing: a Docker engine
# and compose, busybox (offline test images, a plain HTTP/1.0 server), nginx
# (a real backend), Chromium (the dashboard test), Prometheus (Traefik's Grafana
# dashboard queries run on pier's metrics), iproute2 and util-linux (ip,
# nsenter, unshare, flock: the multi-node Swarm lab), curl and debootstrap (the
# demos; pier's offline image), websocketd (a WebSocket server for the
# container test), pebble (a real ACME server, with pebble-challtestsrv) and
# openssl (HTTPS). One apt-get update at most.
set -eu
need=""
have() { command -v "$1" >/dev/null 2>&1; }
have dockerd || need="$need docker.io"
have docker-compose || need="$need docker-compose"
{ [ -x /bin/busybox ] || [ -x /usr/bin/busybox ]; } || need="$need busybox-static"
[ -x /usr/sbin/nginx ] || need="$need nginx-light"
have haproxy || need="$need haproxy"
have caddy || need="$need caddy"
have wrk || need="$need wrk"
[ -x /usr/bin/chromium ] || need="$need chromium"
have websocketd || need="$need websocketd"
have prometheus || need="$need prometheus"
have ip || need="$need iproute2"
{ have nsenter && have unshare && have flock; } || need="$need util-linux"
have curl || need="$need curl"
have pebble || need="$need pebble"
have openssl || need="$need openssl"
have debootstrap || need="$need debootstrap"
if [ -n "$need" ]; then
  echo "test-deps: installing$need" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq $need >&2
fi

# When a worker thread retires, its SO_REUSEPORT listener closes; without this
# the kernel resets connections still queued on it instead of handing them to
# another thread's listener (the README asks deployments to set it too).
if [ -w /proc/sys/net/ipv4/tcp_migrate_req ]; then
  sysctl -q -w net.ipv4.tcp_migrate_req=1
fi
