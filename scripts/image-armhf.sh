#!/bin/sh
# Offline armhf image, run under qemu emulation as linux/arm/v7: pier:local-armhf (see image-build.sh).
exec "$(dirname "$0")/image-build.sh" armhf "${PIER_IMAGE_TAG:-pier:local-armhf}"
