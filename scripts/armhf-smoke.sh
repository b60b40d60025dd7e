#!/usr/bin/env bash
# make armhf-smoke: the quick start (make run) in the armhf root under qemu
# emulation: pier proxies to the two demo backends in turn, pier healthcheck
# exits 0, Ctrl-C leaves no process (scripts/armhf-smoke.mjs prints the
# `pier armhf smoke: ok arch=arm node=v20...` line from inside the emulated
# process). Builds dist/ on the host first: it is plain JavaScript.
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
cd "$repo"
start=$(date +%s)
if [ "${PIER_ARMHF_NO_BUILD:-0}" != 1 ]; then
  npx tsc -p . >&2 || { echo "armhf-smoke: tsc failed (PIER_ARMHF_NO_BUILD=1 runs the current dist/)" >&2; exit 1; }
fi
out=$(scripts/armhf-run.sh node scripts/armhf-smoke.mjs) || { echo "$out"; exit 1; }
echo "$out"
grep -q '^pier armhf smoke: ok arch=arm node=v20\.' <<<"$out" || { echo "armhf-smoke: did not run as arm/Node 20" >&2; exit 1; }
echo "armhf-smoke: $(( $(date +%s) - start ))s in all" >&2
