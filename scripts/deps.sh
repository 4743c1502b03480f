#!/bin/sh
# Install what poolmortem needs to build and test, from Debian 12 packages, if missing.
set -eu
pkgs="meson ninja-build pkg-config gcc libc6-dev libcjson-dev zlib1g-dev liblzma-dev libssl-dev libkdumpfile-dev python3"
if [ "${1:-}" = "--test" ]; then
	# clang + libFuzzer for the fuzz targets; its runtime for the sanitizer build; clang also
	# gives the C layouts the PDB reader is checked against, llvm (llvm-pdbutil) a second reading
	# python3-jsonschema validates the JSON outputs; chromium renders the HTML report;
	# groff checks the man page, zsh parses its completion; GNU parallel runs batch's shards
	# (scale-out test), yamllint and python3-yaml check contrib/
	pkgs="$pkgs clang llvm lld libclang-rt-14-dev python3-jsonschema chromium groff-base zsh"
	pkgs="$pkgs parallel yamllint python3-yaml"
	# python3-pefile re-derives the real drivers' link dates and version resources
	# (tests/real/derive_version.py; the real suite itself only reads expected/)
	pkgs="$pkgs python3-pefile"
fi
missing=""
for p in $pkgs; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done
[ -z "$missing" ] && exit 0
echo "installing:$missing"
SUDO=""
[ "$(id -u)" -ne 0 ] && SUDO=sudo
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
# shellcheck disable=SC2086
$SUDO apt-get install -y -qq --no-install-recommends $missing >/dev/null
