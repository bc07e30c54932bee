#!/usr/bin/env bash
# Configures (once) and builds Switchyard into ${SWITCHYARD_BUILD:-build}.
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD=${SWITCHYARD_BUILD:-build}
if [[ ! -f $BUILD/build.ninja ]]; then
  meson setup "$BUILD" >/dev/null
fi
ninja -C "$BUILD" -j"$(nproc)"
