#!/bin/sh
# make bench / make bench-quick: installs the npm packages the harness runs on
# (autocannon, the http-proxy peer, uWebSockets.js for the backend: all pinned
# in package.json) when missing, then runs bench/run.mjs, which installs the
# Debian peers, builds pier and measures. Arguments pass through (--quick, ...).
# Without arguments (make bench): the full suite, then the scoreboard scene,
# the HTTPS scenarios (bench/tls: printed, not written into the README), then
# the README's tables are rewritten from what they wrote, so the README never
# shows figures older than the code they were measured on.
set -eu
cd "$(dirname "$0")/.."
for pkg in autocannon http-proxy hdr-histogram-js uWebSockets.js; do
  if [ ! -f "node_modules/$pkg/package.json" ]; then
    echo "bench: node_modules/$pkg is missing; running npm ci"
    npm ci --no-audit --no-fund
    break
  fi
done
if [ $# -eq 0 ]; then
  node bench/run.mjs
  node bench/run.mjs --scoreboard --no-install --no-build
  node bench/tls/run.mjs
  node bench/tls/certs.mjs
  exec node bench/report-table.mjs --write
fi
exec node bench/run.mjs "$@"
