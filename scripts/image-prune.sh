#!/bin/sh
# Trims a production node_modules for one target: keeps only the
# uWebSockets.js binary for that CPU and Node ABI (the package ships 21, about
# 115 MB) and drops native builds that install scripts would have made
# (images install with --ignore-scripts; ssh2 then uses its pure-JS crypto).
# Used by the Dockerfiles and the offline image scripts alike.
#   usage: image-prune.sh NODE_MODULES_DIR NODE_ARCH [NODE_ABI]
#   NODE_ARCH as Node names it: x64, arm64 or arm. NODE_ABI defaults to 115 (Node 20).
set -eu

dir=$1
arch=$2
abi=${3:-115}
keep=uws_linux_${arch}_${abi}.node
bin=$dir/uWebSockets.js/binaries

[ -f "$bin/$keep" ] || { echo "image-prune: $bin/$keep not found (arch '$arch', ABI $abi)" >&2; exit 1; }
find "$bin" -name '*.node' ! -name "$keep" -delete
# dist/*.node are stray x64 copies nothing loads (src/uws.js loads binaries/;
# dist/ holds the JS fallback, which pier must never run on).
rm -f "$dir"/uWebSockets.js/dist/*.node
rm -rf "$dir/uWebSockets.js/docs" "$dir/ssh2/lib/protocol/crypto/build" "$dir/cpu-features/build"
