#!/bin/sh
# Quick start 1: install what is missing, build, and analyze the bundled sample dump
# (a Windows 10 22H2 kernel memory dump generated at build time from fixtures/specs/).
set -eu
cd "$(dirname "$0")/.."
sh scripts/deps.sh
[ -f build/build.ninja ] || meson setup build >/dev/null
ninja -C build >/dev/null
exec build/poolmortem info "$@" build/fixtures/win10-22h2-x64-bitmap.dmp
