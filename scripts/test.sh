#!/usr/bin/env bash
# Runs every tap test file, prints one line per file (the whole TAP stream
# when something failed) and ends with the plain summary line CI reads:
# "tests: N passed, N failed" (N counts test files).
set -u
mkdir -p test-output
npx tap --reporter=tap "$@" >test-output/tap.txt 2>&1
status=$?
passed=$(grep -cE '^ok [0-9]+' test-output/tap.txt)
failed=$(grep -cE '^not ok [0-9]+' test-output/tap.txt)
if [ "$status" -ne 0 ]; then cat test-output/tap.txt; else grep -E '^(ok|not ok) [0-9]+' test-output/tap.txt; fi
echo "tests: $passed passed, $failed failed"
if [ "$status" -ne 0 ] && [ "$failed" -eq 0 ]; then echo "tap exited $status"; fi
exit "$status"
