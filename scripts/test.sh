#!/usr/bin/env bash
# Runs every tap test file, prints one line per file (the whole TAP stream
# when something failed) and ends with the plain summary line CI reads:
# "tests: N passed, N failed" (N counts test files). On failure, every failed
# test and its diagnostics are repeated just above that line, because CI shows
# only the tail of a long log.
set -u
mkdir -p test-output
npx tap --reporter=tap "$@" >test-output/tap.txt 2>&1
status=$?
passed=$(grep -cE '^ok [0-9]+' test-output/tap.txt)
failed=$(grep -cE '^not ok [0-9]+' test-output/tap.txt)
if [ "$status" -ne 0 ]; then
  cat test-output/tap.txt
  echo "# failures:"
  # Each "not ok" line, at any depth, with its YAML diagnostic block (at most 40 lines).
  awk '/^ *not ok /{print; keep=1; n=0; next}
       keep && /^ *---$/{inblock=1}
       keep && inblock{if (n++ < 40) print; if ($0 ~ /^ *\.\.\.$/){keep=0; inblock=0}; next}
       {keep=0}' test-output/tap.txt
else
  grep -E '^(ok|not ok) [0-9]+' test-output/tap.txt
fi
echo "tests: $passed passed, $failed failed"
if [ "$status" -ne 0 ] && [ "$failed" -eq 0 ]; then echo "tap exited $status"; fi
exit "$status"
