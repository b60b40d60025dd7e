#!/bin/sh
# Builds the pier-whoami:test image offline with `docker import` from a
# busybox-static root filesystem (no registry is reachable, nothing is pulled).
# busybox httpd on port 8000 runs a CGI for every URL ending in "/" (and for
# /cgi-bin/whoami) that answers like jwilder/whoami: "I'm <hostname>", then
# whoami-style lines (Hostname, IP, Host, Method, Path).
# Skips the build when the image exists; FORCE=1 rebuilds.
set -eu

IMAGE=${PIER_WHOAMI_IMAGE:-pier-whoami:test}
if [ "${FORCE:-0}" != 1 ] && docker image inspect "$IMAGE" >/dev/null 2>&1; then
  echo "whoami-image: $IMAGE exists" >&2
  exit 0
fi

BUSYBOX=$(command -v busybox || true)
[ -n "$BUSYBOX" ] || { echo "whoami-image: busybox not found (apt-get install busybox-static)" >&2; exit 1; }
if ! file -L "$BUSYBOX" 2>/dev/null | grep -q 'statically linked'; then
  [ -x /bin/busybox ] && file -L /bin/busybox | grep -q 'statically linked' && BUSYBOX=/bin/busybox || {
    echo "whoami-image: $BUSYBOX is not statically linked (apt-get install busybox-static)" >&2; exit 1; }
fi

ROOT=$(mktemp -d)
trap 'rm -rf "$ROOT"' EXIT
mkdir -p "$ROOT/bin" "$ROOT/www/cgi-bin" "$ROOT/tmp" "$ROOT/etc" "$ROOT/proc" "$ROOT/sys" "$ROOT/dev"
chmod 1777 "$ROOT/tmp"
cp "$BUSYBOX" "$ROOT/bin/busybox"
for app in sh httpd hostname ip cat echo test touch rm sleep wget ls ps kill awk sed grep; do
  ln -s busybox "$ROOT/bin/$app"
done
echo 'root:x:0:0:root:/:/bin/sh' >"$ROOT/etc/passwd"
echo 'root:x:0:' >"$ROOT/etc/group"

cat >"$ROOT/www/cgi-bin/index.cgi" <<'CGI'
#!/bin/sh
host=$(hostname)
ips=$(ip -o -4 addr show scope global 2>/dev/null | awk '{split($4, a, "/"); printf "%s ", a[1]}')
printf 'Content-Type: text/plain\r\n\r\n'
printf "I'm %s\n" "$host"
printf 'Hostname: %s\n' "$host"
for ip in $ips; do printf 'IP: %s\n' "$ip"; done
printf 'Host: %s\n' "$HTTP_HOST"
printf 'Method: %s\n' "$REQUEST_METHOD"
printf 'Path: %s\n' "$REQUEST_URI"
CGI
chmod 755 "$ROOT/www/cgi-bin/index.cgi"
ln -s index.cgi "$ROOT/www/cgi-bin/whoami"

tar -C "$ROOT" -cf - . | docker import \
  -c 'CMD ["/bin/httpd", "-f", "-p", "8000", "-h", "/www"]' \
  -c 'EXPOSE 8000' \
  -c 'WORKDIR /' \
  -m 'pier test whoami (busybox httpd + CGI), built offline' \
  - "$IMAGE" >/dev/null
echo "whoami-image: built $IMAGE" >&2
