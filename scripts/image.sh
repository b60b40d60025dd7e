#!/bin/sh
# Offline image for the host architecture: pier:local (see image-build.sh).
exec "$(dirname "$0")/image-build.sh" "$(dpkg --print-architecture)" "${PIER_IMAGE_TAG:-pier:local}"
