#!/usr/bin/env bash
# Prints the path of a Debian root filesystem with Node 20 for ARCH
# (armhf, arm64 or amd64; default: the host's), made with debootstrap and
# cached outside the repo under $PIER_CACHE (default /var/cache/pier).
# The cache key hashes everything that decides the root's content (suite,
# arch, packages, mirror, recipe version), so a second call is instant and a
# changed recipe makes a fresh root. Needs root.
#   usage: scripts/rootfs.sh [ARCH]
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
arch=${1:-$(dpkg --print-architecture)}
suite=trixie
variant=minbase
include=nodejs
recipe=2 # bump when the steps below change what ends up in the root
cache=${PIER_CACHE:-/var/cache/pier}

# The mirror apt already uses (deb822 sources or the classic list).
mirror=${PIER_DEBIAN_MIRROR:-$(
  { grep -hs '^URIs:' /etc/apt/sources.list.d/*.sources | awk '{print $2}'
    grep -hs '^deb ' /etc/apt/sources.list /etc/apt/sources.list.d/*.list | awk '{print $2}'
    echo http://deb.debian.org/debian
  } | awk '/\/debian\/?$/ && !found {print; found=1}')}

case $arch in
  amd64) ;;
  armhf) "$here/armhf-binfmt.sh" ;;
  arm64) [ "$(dpkg --print-architecture)" = arm64 ] || {
           echo "rootfs: arm64 needs an arm64 host or qemu-aarch64 binfmt" >&2; exit 1; } ;;
  *) echo "rootfs: unknown arch '$arch' (expected armhf, arm64 or amd64)" >&2; exit 2 ;;
esac

command -v debootstrap >/dev/null || DEBIAN_FRONTEND=noninteractive apt-get install -y -qq debootstrap >/dev/null

key=$(printf '%s\n' "$suite" "$arch" "$variant" "$include" "$mirror" "$recipe" | sha256sum | cut -c1-12)
root=$cache/rootfs/$arch-$suite-$key

if [ ! -e "$root/.pier-rootfs-complete" ]; then
  mkdir -p "$cache/rootfs"
  tmp=$root.partial
  rm -rf "$tmp"
  echo "rootfs: debootstrap $suite $arch from $mirror into $root (slow the first time)" >&2
  start=$(date +%s)
  debootstrap --arch="$arch" --variant="$variant" --include="$include" "$suite" "$tmp" "$mirror" >&2
  # Trim what a runtime root never reads.
  rm -rf "$tmp"/var/cache/apt/archives/*.deb "$tmp"/var/lib/apt/lists/* \
         "$tmp"/usr/share/doc/* "$tmp"/usr/share/man/* "$tmp"/usr/share/info/*
  # Containers get /etc/hosts from the engine; chroot runs need localhost too.
  printf '127.0.0.1\tlocalhost\n::1\t\tlocalhost ip6-localhost ip6-loopback\n' >"$tmp/etc/hosts"
  chroot "$tmp" /usr/bin/env -i node -e 'if (process.versions.node.split(".")[0] !== "20") { console.error("rootfs: expected Node 20, got " + process.version); process.exit(1) }'
  touch "$tmp/.pier-rootfs-complete"
  mv "$tmp" "$root"
  echo "rootfs: ready in $(( $(date +%s) - start ))s" >&2
fi
echo "$root"
