#!/usr/bin/env bash
# Runs a command inside the armhf Debian root (scripts/rootfs.sh armhf) under
# qemu emulation, with a copy of this checkout at /mnt (package.json, tsconfig,
# src, test, dist, scripts, bench, examples) and the host's node_modules
# bind-mounted read-only at /mnt/node_modules (the uWebSockets.js package
# carries the arm binary).
# The mounts live in a private mount namespace and the processes in a PID
# namespace: when the command ends, its mounts vanish and anything it left
# running (a pier a failed test did not stop) is killed; parallel runs do not
# see each other. Needs root.
# --js also writes plain JavaScript next to every .ts in the copy (host
# TypeScript, see armhf-transpile.mjs) so emulated Node need not load it.
#   usage: scripts/armhf-run.sh [--js] CMD [ARGS...]   e.g. scripts/armhf-run.sh node -p process.arch
set -euo pipefail

js=0
if [ "${1:-}" = --js ]; then js=1; shift; fi
[ $# -gt 0 ] || { echo "usage: armhf-run.sh [--js] CMD [ARGS...]" >&2; exit 2; }
repo=$(cd "$(dirname "$0")/.." && pwd)
root=$("$repo/scripts/rootfs.sh" armhf)

work=$(mktemp -d /tmp/pier-armhf.XXXXXX)
trap 'rm -rf "$work"' EXIT
for f in package.json tsconfig.json src test dist scripts bench examples; do
  if [ -e "$repo/$f" ]; then cp -a "$repo/$f" "$work/"; fi
done
[ $js = 0 ] || node "$repo/scripts/armhf-transpile.mjs" "$work/src" "$work/test"
mkdir -p "$work/node_modules"

# Host environment stays out (NODE_EXTRA_CA_CERTS and friends point at host
# files); PIER_* and TAP_* settings pass through.
envs=(PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin HOME=/root TERM=dumb CI="${CI:-}")
while IFS= read -r kv; do envs+=("$kv"); done < <(env | grep -E '^(PIER|TAP)_' || true)

unshare --mount --pid --fork --propagation private -- bash -euc '
  root=$1 work=$2 repo=$3; shift 3
  mount --bind "$work" "$root/mnt"
  mount --bind -o ro "$repo/node_modules" "$root/mnt/node_modules"
  mount -o remount,bind,ro "$root/mnt/node_modules"
  mount -t proc proc "$root/proc"
  mount --rbind /dev "$root/dev"
  mount --rbind /sys "$root/sys"
  # This shell stays PID 1 of the namespace (the explicit exit keeps bash from
  # exec-ing the last command), so its exit ends whatever is left.
  chroot "$root" /usr/bin/env -i "$@"
  exit $?
' armhf-run "$root" "$work" "$repo" "${envs[@]}" sh -c 'cd /mnt && exec "$@"' sh "$@"
