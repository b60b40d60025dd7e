#!/usr/bin/env bash
# Makes this x86 host run 32-bit ARM (armhf) binaries: qemu-user-static
# registered with binfmt_misc. The registration carries the F (fix binary)
# flag, so the interpreter also works inside chroots and containers that do
# not contain qemu themselves. Idempotent; needs root.
set -euo pipefail

if ! command -v qemu-arm-static >/dev/null || ! command -v update-binfmts >/dev/null; then
  echo "armhf-binfmt: installing qemu-user-static and binfmt-support" >&2
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq qemu-user-static binfmt-support >/dev/null
fi

if [ ! -e /proc/sys/fs/binfmt_misc/register ]; then
  mount binfmt_misc -t binfmt_misc /proc/sys/fs/binfmt_misc
fi

if ! grep -qs '^enabled' /proc/sys/fs/binfmt_misc/qemu-arm; then
  update-binfmts --enable qemu-arm
fi

if ! grep -qs '^flags: .*F' /proc/sys/fs/binfmt_misc/qemu-arm; then
  echo "armhf-binfmt: qemu-arm is registered without the F flag; containers cannot use it" >&2
  exit 1
fi
