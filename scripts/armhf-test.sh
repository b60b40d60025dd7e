#!/usr/bin/env bash
# make test-armhf: the unit tests and the file-provider integration tests,
# run by the armhf Node 20 inside the Debian armhf root under qemu emulation
# (the uWS arm binary serves the integration tests' pier). Prints the time.
# dist/ and the tests are compiled to JavaScript on the host first (same on
# every CPU); loading TypeScript and tap's runner under qemu costs ~50 s per
# file, so each test file runs as `node file.js`, one per CPU at a time.
#   usage: scripts/armhf-test.sh [TEST FILES...]   default: unit + file-provider integration tests
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
cd "$repo"
if [ "${PIER_ARMHF_NO_BUILD:-0}" != 1 ]; then
  npx tsc -p . >&2 || { echo "armhf-test: tsc failed (PIER_ARMHF_NO_BUILD=1 tests the current dist/)" >&2; exit 1; }
fi
if [ $# -eq 0 ]; then
  # The file-provider integration tests: those that start pier with
  # --providers.file and need neither a Docker engine, a browser nor Prometheus.
  set -- test/unit/*.test.ts $(grep -l 'providers\.file' test/integration/*.test.ts | xargs grep -L -i -E 'ensureEngine|docker|playwright|chromium|spawn\(.prometheus')
fi
start=$(date +%s)
status=0
scripts/armhf-run.sh --js sh -c '
  echo "armhf-test: $(node -p "process.arch + \" \" + process.version") on $(uname -m) (qemu), $# files, $(nproc) at a time"
  # A test file run by plain node times out after 30 s unless TAP_TIMEOUT says
  # otherwise; under qemu a file takes a minute or more.
  export TAP_TIMEOUT=${TAP_TIMEOUT:-900}
  # pier starts in 12-25 s under qemu: stretch the startup deadlines of the tests.
  export PIER_TEST_TIME_SCALE=${PIER_TEST_TIME_SCALE:-10}
  export out=$(mktemp -d /tmp/armhf-test.XXXXXX)
  trap "rm -rf \"\$out\"" EXIT
  printf "%s\n" "$@" | sed "s/\.ts\$/.js/" | xargs -P "$(nproc)" -I{} sh -c "
    log=$out/\$(echo {} | tr / _).log
    s=\$(date +%s)
    if timeout -s KILL \$TAP_TIMEOUT node {} >\"\$log\" 2>&1; then r=ok; else r=\"not ok\"; fi
    echo \"\$r {} (\$(( \$(date +%s) - s ))s)\" | tee -a $out/summary
    [ \"\$r\" = ok ] || sed \"s/^/    /\" \"\$log\"
  "
  failed=$(grep -c "^not ok" $out/summary || true)
  echo "armhf-test: $(( $# - failed )) passed, $failed failed"
  [ "$failed" = 0 ]
' sh "$@" || status=$?
echo "armhf-test: $# test files in $(( $(date +%s) - start ))s under emulation, exit $status" >&2
exit $status
