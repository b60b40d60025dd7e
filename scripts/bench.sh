#!/bin/sh
# make bench / make bench-quick: installs the npm packages the harness runs on
# (autocannon, the http-proxy peer, uWebSockets.js for the backend: all pinned
# in package.json) when missing, then runs bench/run.mjs, which installs the
# Debian peers, builds pier and measures. Arguments pass through (--quick, ...).
set -eu
cd "$(dirname "$0")/.."
for pkg in autocannon http-proxy hdr-histogram-js uWebSockets.js; do
  if [ ! -f "node_modules/$pkg/package.json" ]; then
    echo "bench: node_modules/$pkg is missing; running npm ci"
    npm ci --no-audit --no-fund
    break
  fi
done
exec node bench/run.mjs "$@"
