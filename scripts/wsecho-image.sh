#!/bin/sh
# Builds the pier-wsecho:test image offline with `docker import`: Debian's
# websocketd (a WebSocket server that turns a program's stdin and stdout into
# messages) with the libraries it links, running busybox `cat` per
# connection, so every line a client sends comes back. Port 8000.
# Skips the build when the image exists; FORCE=1 rebuilds.
set -eu

IMAGE=${PIER_WSECHO_IMAGE:-pier-wsecho:test}
if [ "${FORCE:-0}" != 1 ] && docker image inspect "$IMAGE" >/dev/null 2>&1; then
  echo "wsecho-image: $IMAGE exists" >&2
  exit 0
fi
WSD=$(command -v websocketd || true)
[ -n "$WSD" ] || { echo "wsecho-image: websocketd not found (apt-get install websocketd)" >&2; exit 1; }
BUSYBOX=$(command -v busybox || echo /bin/busybox)
file -L "$BUSYBOX" | grep -q 'statically linked' || { echo "wsecho-image: $BUSYBOX is not statically linked (apt-get install busybox-static)" >&2; exit 1; }

ROOT=$(mktemp -d)
trap 'rm -rf "$ROOT"' EXIT
mkdir -p "$ROOT/bin" "$ROOT/tmp" "$ROOT/etc"
cp "$WSD" "$ROOT/bin/websocketd"
cp "$BUSYBOX" "$ROOT/bin/busybox"
ln -s busybox "$ROOT/bin/cat"
ln -s busybox "$ROOT/bin/sh"
# The dynamic loader and libraries websocketd links, at the paths it expects.
for lib in $(ldd "$WSD" | awk '/=>/ {print $3} /^\t\// {print $1}'); do
  mkdir -p "$ROOT$(dirname "$lib")"
  cp -L "$lib" "$ROOT$lib"
done
echo 'root:x:0:0:root:/:/bin/sh' >"$ROOT/etc/passwd"

tar -C "$ROOT" -cf - . | docker import \
  -c 'CMD ["/bin/websocketd", "--port=8000", "/bin/cat"]' \
  -c 'EXPOSE 8000' \
  -m 'pier test WebSocket echo (websocketd + cat), built offline' \
  - "$IMAGE" >/dev/null
echo "wsecho-image: built $IMAGE" >&2
