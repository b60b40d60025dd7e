#!/usr/bin/env bash
# Builds pier's image offline (no registry): a Debian root with Node 20 from
# scripts/rootfs.sh, plus /app laid out exactly as the Dockerfile's final stage
# lays it out (dist/, production node_modules, package.json),
# loaded with `docker import`. The runtime settings (LABEL, ENV, WORKDIR, USER,
# EXPOSE, HEALTHCHECK, ENTRYPOINT) are read from the Dockerfile's own runtime
# block, so the two cannot drift apart.
#   usage: scripts/image-build.sh ARCH TAG      ARCH: amd64, arm64 or armhf
#   PIER_IMAGE_NO_BUILD=1 uses the dist/ already built instead of running tsc.
set -euo pipefail

arch=${1:?usage: image-build.sh ARCH TAG}
tag=${2:?usage: image-build.sh ARCH TAG}
repo=$(cd "$(dirname "$0")/.." && pwd)
cd "$repo"

case $arch in
  amd64) node_arch=x64;   platform=linux/amd64;  dockerfile=Dockerfile ;;
  arm64) node_arch=arm64; platform=linux/arm64;  dockerfile=Dockerfile ;;
  armhf) node_arch=arm;   platform=linux/arm/v7; dockerfile=Dockerfile.armhf ;;
  *) echo "image-build: unknown arch '$arch' (expected amd64, arm64 or armhf)" >&2; exit 2 ;;
esac

start=$(date +%s)
root=$(scripts/rootfs.sh "$arch")

if [ "${PIER_IMAGE_NO_BUILD:-0}" != 1 ]; then
  npx tsc -p . >&2 || { echo "image-build: tsc failed; fix the errors above (or PIER_IMAGE_NO_BUILD=1 to package the current dist/)" >&2; exit 1; }
fi
[ -f dist/cli.js ] || { echo "image-build: dist/cli.js missing; run npx tsc -p ." >&2; exit 1; }

stage=$(mktemp -d /tmp/pier-image.XXXXXX)
trap 'rm -rf "$stage"' EXIT
app=$stage/app
mkdir -p "$app"
cp package.json package-lock.json "$app/"
cp -a dist "$app/dist"
# The equivalent of `npm ci --omit=dev --ignore-scripts`, offline: the
# installed tree minus dev dependencies.
cp -a node_modules "$app/node_modules"
(cd "$app" && npm prune --omit=dev --ignore-scripts --offline --no-audit --no-fund >/dev/null)
rm "$app/package-lock.json"
scripts/image-prune.sh "$app/node_modules" "$node_arch"

# The Dockerfile's runtime block, one instruction per --change.
changes=()
while IFS= read -r line; do changes+=(--change "$line"); done < <(
  awk '/^# --- runtime settings/ {on=1; next}
       on && /^[A-Z]/ {buf=$0; while (buf ~ /\\$/ && (getline nxt) > 0) {sub(/\\$/, "", buf); sub(/^ +/, " ", nxt); buf = buf nxt} print buf}' "$dockerfile" |
  grep -E '^(LABEL|ENV|WORKDIR|USER|EXPOSE|HEALTHCHECK|ENTRYPOINT|CMD) ')
[ ${#changes[@]} -ge 12 ] || { echo "image-build: no runtime block found in $dockerfile" >&2; exit 1; }

tar --numeric-owner -C "$root" --exclude=./.pier-rootfs-complete --exclude='./tmp/*' -cf - . -C "$stage" app |
  docker import "${changes[@]}" -m "pier $(git rev-parse --short HEAD 2>/dev/null || echo unknown), built offline by scripts/image-build.sh" - "$tag" >/dev/null

# `docker import --platform` is ignored by engines before 23; stamp the
# architecture into the image config so `docker run --platform` accepts it.
want_arch=${platform#linux/}; want_arch=${want_arch%%/*}
want_variant=$(echo "$platform" | awk -F/ '{print $3}')
have=$(docker image inspect "$tag" --format '{{.Architecture}}/{{.Variant}}')
if [ "$have" != "$want_arch/$want_variant" ]; then
  node scripts/image-platform.mjs "$tag" "$want_arch" "$want_variant"
fi

size=$(docker image inspect "$tag" --format '{{.Size}}')
echo "image-build: $tag ($platform) $((size / 1000000)) MB in $(( $(date +%s) - start ))s" >&2
