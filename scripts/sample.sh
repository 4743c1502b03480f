#!/bin/sh
# Quick start 1: install what is missing, build, and give the verdict on the bundled sample dump
# (a Windows 10 22H2 kernel memory dump generated at build time from fixtures/specs/).
# The analyzer's exit code says what it found (README, "Exit codes"); this script succeeds
# whenever a verdict was given, whatever it is, and fails on a usage error (2) or an
# unreadable dump (3).
set -eu
cd "$(dirname "$0")/.."
sh scripts/deps.sh
[ -f build/build.ninja ] || meson setup build >/dev/null
ninja -C build >/dev/null
rc=0
build/poolmortem analyze "$@" build/fixtures/win10-22h2-x64-bitmap.dmp || rc=$?
case $rc in
2 | 3) exit "$rc" ;;
*) echo "(poolmortem analyze exited with $rc: the verdict's code, see README, Exit codes)" ;;
esac
